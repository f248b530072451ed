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

# ovs-nve-ctl, the service script, in the package data directory as
# ovn-ctl is in OVN's: it starts and stops ovs-nve beside the system's Open
# vSwitch, whose shell library (ovs-lib) it uses.
scriptsdir = $(pkgdatadir)/scripts
scripts_SCRIPTS = utilities/ovs-nve-ctl
CLEANFILES += utilities/ovs-nve-ctl
EXTRA_DIST += utilities/ovs-nve-ctl.in
utilities/ovs-nve-ctl: utilities/ovs-nve-ctl.in Makefile
	$(AM_V_GEN)$(MKDIR_P) utilities && $(SED) \
	  -e 's,[@]VERSION[@],$(VERSION),g' \
	  -e 's,[@]bindir[@],$(bindir),g' \
	  -e 's,[@]pkgdatadir[@],$(pkgdatadir),g' \
	  -e 's,[@]ovs_pkgdatadir[@],$(ovs_pkgdatadir),g' \
	  $(srcdir)/utilities/ovs-nve-ctl.in > $@.tmp \
	  && chmod +x $@.tmp && mv $@.tmp $@

man_MANS += utilities/ovs-nve-ctl.8
CLEANFILES += utilities/ovs-nve-ctl.8
EXTRA_DIST += utilities/ovs-nve-ctl.8.xml

# The sandbox: ovsdb-server, ovs-vswitchd (dummy datapath) and
# nve-controller in ./sandbox, driven by hand or by a scenario.
EXTRA_DIST += utilities/nve-sandbox utilities/nve-demo.sh
sandbox: all
	$(srcdir)/utilities/nve-sandbox --builddir=$(abs_top_builddir) \
	  --srcdir=$(abs_top_srcdir) --ovs-builddir=$(OVS_BUILDDIR) \
	  $(SANDBOXFLAGS)
demo: all
	$(srcdir)/utilities/nve-sandbox --builddir=$(abs_top_builddir) \
	  --srcdir=$(abs_top_srcdir) --ovs-builddir=$(OVS_BUILDDIR) \
	  --scenario=$(srcdir)/utilities/nve-demo.sh $(SANDBOXFLAGS)
.PHONY: sandbox demo

# The benchmark: nve-bench drives TNS (and raw OpenFlow for comparison);
# nve-benchmark runs the whole comparison with OVS and OVN in sandboxes.
noinst_PROGRAMS += utilities/nve-bench
utilities_nve_bench_SOURCES = utilities/nve-bench.c
utilities_nve_bench_LDADD = lib/libnve.la $(OVS_LIBS)
EXTRA_DIST += utilities/nve-benchmark utilities/nva-benchmark \
	utilities/nva-convergence
bench: all
	$(srcdir)/utilities/nve-benchmark --builddir=$(abs_top_builddir) \
	  --srcdir=$(abs_top_srcdir) --ovs-builddir=$(OVS_BUILDDIR) \
	  $(BENCHFLAGS)
.PHONY: bench

# nva-ctl: creates and starts the members of the NVA database cluster.
bin_SCRIPTS += utilities/nva-ctl
EXTRA_DIST += utilities/nva-ctl
man_MANS += utilities/nva-ctl.8
CLEANFILES += utilities/nva-ctl.8
EXTRA_DIST += utilities/nva-ctl.8.xml
