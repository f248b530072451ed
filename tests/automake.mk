# The test suite: one autotest suite for behaviour, with the CUnit binaries
# for pure code run from it, so that "make check" runs everything.
EXTRA_DIST += \
	$(TESTSUITE_AT) \
	$(UPGRADE_FILES) \
	$(VDP_CAPTURES) \
	$(TESTSUITE) \
	tests/atlocal.in \
	tests/tns-validate.py \
	tests/ovsdb-proxy.py \
	tests/package-check.sh \
	tests/netns-migration.sh \
	package.m4

TESTSUITE_AT = \
	tests/testsuite.at \
	tests/nve-macros.at \
	tests/nve-ctl.at \
	tests/nve-controller.at \
	tests/tes-signal.at \
	tests/tns.at \
	tests/chaos.at \
	tests/tns-limits.at \
	tests/tns-queue.at \
	tests/unit.at \
	tests/ofctrl.at \
	tests/dataplane.at \
	tests/nva.at \
	tests/migration.at \
	tests/system-netns.at \
	tests/vdp.at \
	tests/learning.at \
	tests/ovs-nve-ctl.at \
	tests/fuzz.at \
	tests/bench.at

# The NVE schema of release 1.0.0 (1c0f68d) and a VSI in a database of that
# schema, and the NVA schema 1.0.0 (b754f1f), from which upgrades are
# tested.
UPGRADE_FILES = \
	tests/nva-1.0.0.ovsschema \
	tests/nve-1.0.0.ovsschema \
	tests/nve-1.0.0-vsi.json

# Captures of an unmodified lldpad station, read by tests/test-vdp.c.
VDP_CAPTURES = \
	tests/vdp-captures/frame-index.txt \
	tests/vdp-captures/vdp02-draft_lldpad-station_lldpad-bridge.annotated.txt \
	tests/vdp-captures/vdp02-draft_lldpad-station_lldpad-bridge.pcap \
	tests/vdp-captures/vdp22_lldpad-station_lldpad-bridge.annotated.txt \
	tests/vdp-captures/vdp22_lldpad-station_lldpad-bridge.pcap \
	tests/vdp-captures/vdp22_lldpad-station_nve-responder.annotated.txt \
	tests/vdp-captures/vdp22_lldpad-station_nve-responder.pcap \
	tests/vdp-captures/vdp22_lldpad-station_nve-responder_oui_no-bridge-lldp.annotated.txt \
	tests/vdp-captures/vdp22_lldpad-station_nve-responder_oui_no-bridge-lldp.pcap

# Generated in the build tree, so that several build trees of one source
# tree never overwrite each other's test suite.
TESTSUITE = tests/testsuite
TESTSUITE_DIR = $(abs_top_builddir)/tests/testsuite.dir
DISTCLEANFILES += tests/atconfig tests/atlocal
AUTOTEST = $(AUTOM4TE) -l autotest

# Our programs first, then the OVS programs from the OVS build tree.
AUTOTEST_PATH = $(abs_top_builddir)/controller:$(abs_top_builddir)/utilities:$(abs_top_srcdir)/utilities:$(abs_top_builddir)/tests:$(abs_top_builddir)/tests/fuzz:$(OVS_BUILDDIR)/utilities:$(OVS_BUILDDIR)/vswitchd:$(OVS_BUILDDIR)/ovsdb

check-local: tests/atconfig tests/atlocal $(TESTSUITE)
	$(SHELL) '$(TESTSUITE)' -C tests AUTOTEST_PATH='$(AUTOTEST_PATH)' \
	  $(TESTSUITEFLAGS)

clean-local: clean-testsuite
clean-testsuite:
	test ! -f '$(TESTSUITE)' || $(SHELL) '$(TESTSUITE)' -C tests --clean

# OVS's tests/ovs-macros.at and tests/ofproto-macros.at are included from
# the OVS source tree, never copied here.
$(TESTSUITE): package.m4 $(TESTSUITE_AT)
	$(AM_V_GEN)$(AUTOTEST) -I '$(srcdir)' -I '$(OVS_SRCDIR)' \
	  -o $@.tmp $(srcdir)/tests/testsuite.at && mv $@.tmp $@

# Our package.m4 is in $(srcdir), found before OVS's.
package.m4: $(top_srcdir)/configure.ac
	$(AM_V_GEN):;{ \
	  echo '# Signature of the current package.' && \
	  echo 'm4_define([AT_PACKAGE_NAME],      [$(PACKAGE_NAME)])' && \
	  echo 'm4_define([AT_PACKAGE_TARNAME],   [$(PACKAGE_TARNAME)])' && \
	  echo 'm4_define([AT_PACKAGE_VERSION],   [$(PACKAGE_VERSION)])' && \
	  echo 'm4_define([AT_PACKAGE_STRING],    [$(PACKAGE_STRING)])' && \
	  echo 'm4_define([AT_PACKAGE_BUGREPORT], [$(PACKAGE_BUGREPORT)])'; \
	} >'$(srcdir)/package.m4'

# CUnit programs for pure code, run by tests/unit.at.
check_PROGRAMS += tests/test-nve-unit
tests_test_nve_unit_SOURCES = \
	tests/test-nve-unit.c \
	tests/unit-tests.h \
	tests/test-flow-table.c \
	tests/test-vsi-lifecycle.c \
	tests/test-tns.c \
	tests/test-tns-writer.c \
	tests/test-vdp.c \
	tests/test-meter-table.c \
	tests/test-vsi-plan.c \
	tests/test-ecp-agent.c \
	tests/test-pipeline.c \
	controller/ecp-agent.c \
	controller/ecp-agent.h \
	controller/flow-table.c \
	controller/flow-table.h \
	controller/meter-table.c \
	controller/meter-table.h \
	controller/pipeline.c \
	controller/pipeline.h \
	controller/tns-result.c \
	controller/tns-result.h \
	controller/vsi-config.c \
	controller/vsi-config.h \
	controller/vsi-plan.c \
	controller/vsi-plan.h \
	controller/vsi-resources.c \
	controller/vsi-resources.h
tests_test_nve_unit_LDADD = lib/libnve.la $(OVS_LIBS) $(JANSSON_LIBS) \
	$(CUNIT_LIBS)
