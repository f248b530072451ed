# nve-ctl, the configuration utility, and the sandbox.
bin_PROGRAMS += utilities/nve-ctl
utilities_nve_ctl_SOURCES = utilities/nve-ctl.c
utilities_nve_ctl_LDADD = lib/libnve.la $(OVS_LIBS)

man_MANS += utilities/nve-ctl.8
CLEANFILES += utilities/nve-ctl.8
EXTRA_DIST += utilities/nve-ctl.8.xml

# tes-signal, the hypervisor (TES) side of TNS.
bin_PROGRAMS += utilities/tes-signal
utilities_tes_signal_SOURCES = utilities/tes-signal.c
utilities_tes_signal_LDADD = lib/libnve.la $(OVS_LIBS) $(JANSSON_LIBS)

man_MANS += utilities/tes-signal.8
CLEANFILES += utilities/tes-signal.8
EXTRA_DIST += utilities/tes-signal.8.xml
