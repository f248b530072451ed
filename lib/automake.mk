# Code shared by nve-controller, the utilities and the tests, and the IDLs
# of the NVE and NVA databases generated with the OVS tree's ovsdb-idlc.
noinst_LTLIBRARIES += lib/libnve.la
lib_libnve_la_SOURCES = \
	lib/acl-match.c \
	lib/acl-match.h \
	lib/nve-idl.c \
	lib/nve-idl.h \
	lib/nve-jansson.h \
	lib/nve-options.c \
	lib/nve-options.h \
	lib/nve-util.c \
	lib/nve-util.h \
	lib/ecp.c \
	lib/ecp.h \
	lib/evb.c \
	lib/evb.h \
	lib/nva-idl.c \
	lib/nva-idl.h \
	lib/tns.c \
	lib/tns.h \
	lib/vdp.c \
	lib/vdp.h \
	lib/vsi-lifecycle.c \
	lib/vsi-lifecycle.h \
	lib/vsi-request.h \
	lib/vsi-row.c \
	lib/vsi-row.h
nodist_lib_libnve_la_SOURCES =

BUILT_SOURCES += lib/nve-idl.c lib/nve-idl.h
CLEANFILES += lib/nve-idl.c lib/nve-idl.h lib/nve-idl.ovsidl
EXTRA_DIST += lib/nve-idl.ann

lib/nve-idl.ovsidl: schemas/nve.ovsschema lib/nve-idl.ann
	$(AM_V_GEN)$(OVSDB_IDLC) annotate $(srcdir)/schemas/nve.ovsschema \
	  $(srcdir)/lib/nve-idl.ann > $@.tmp && mv $@.tmp $@
lib/nve-idl.c: lib/nve-idl.ovsidl
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-source $< > $@.tmp && mv $@.tmp $@
lib/nve-idl.h: lib/nve-idl.ovsidl
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-header $< > $@.tmp && mv $@.tmp $@

BUILT_SOURCES += lib/nva-idl.c lib/nva-idl.h
CLEANFILES += lib/nva-idl.c lib/nva-idl.h lib/nva-idl.ovsidl
EXTRA_DIST += lib/nva-idl.ann

lib/nva-idl.ovsidl: schemas/nva.ovsschema lib/nva-idl.ann
	$(AM_V_GEN)$(OVSDB_IDLC) annotate $(srcdir)/schemas/nva.ovsschema \
	  $(srcdir)/lib/nva-idl.ann > $@.tmp && mv $@.tmp $@
lib/nva-idl.c: lib/nva-idl.ovsidl
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-source $< > $@.tmp && mv $@.tmp $@
lib/nva-idl.h: lib/nva-idl.ovsidl
	$(AM_V_GEN)$(OVSDB_IDLC) c-idl-header $< > $@.tmp && mv $@.tmp $@

# Every object of the project may include the IDL headers.
$(lib_libnve_la_OBJECTS): lib/nve-idl.h lib/nva-idl.h

# jansson with the six functions whose names libopenvswitch also defines
# renamed to nve_json_*, as lib/nve-jansson.h expects.
JANSSON_CLASHES = json_array json_equal json_integer json_object json_real \
	json_string
noinst_DATA = lib/libjansson-nve.a
BUILT_SOURCES += lib/libjansson-nve.a
CLEANFILES += lib/libjansson-nve.a lib/jansson-renames
lib/libjansson-nve.a: $(JANSSON_STATIC)
	$(AM_V_GEN)for s in $(JANSSON_CLASHES); do echo "$$s nve_$$s"; done \
	  > lib/jansson-renames && \
	$(OBJCOPY) --redefine-syms=lib/jansson-renames $(JANSSON_STATIC) $@.tmp \
	  && mv $@.tmp $@
