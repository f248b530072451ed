# nve-ctl, the configuration utility, and the sandbox.
bin_PROGRAMS += utilities/nve-ctl
utilities_nve_ctl_SOURCES = utilities/nve-ctl.c
utilities_nve_ctl_LDADD = lib/libnve.la $(OVS_LIBS)

man_MANS += utilities/nve-ctl.8
CLEANFILES += utilities/nve-ctl.8
EXTRA_DIST += utilities/nve-ctl.8.xml
