# The NVE and NVA database schemas, their documentation (nve.5, nva.5) and
# the JSON Schema of the TNS protocol.
pkgdata_DATA += schemas/nve.ovsschema schemas/nva.ovsschema \
	schemas/tns.schema.json
EXTRA_DIST += schemas/nve.ovsschema schemas/nve.xml schemas/nva.ovsschema \
	schemas/nva.xml schemas/tns.schema.json

man_MANS += schemas/nve.5
CLEANFILES += schemas/nve.5
schemas/nve.5: schemas/nve.ovsschema schemas/nve.xml
	$(AM_V_GEN)$(MKDIR_P) schemas && $(OVSDB_DOC) --version=$(VERSION) \
	  $(srcdir)/schemas/nve.ovsschema $(srcdir)/schemas/nve.xml \
	  > $@.tmp && $(SED) -i '/^\.TH/s/Open vSwitch/ovs-nve/g' $@.tmp \
	  && mv $@.tmp $@

man_MANS += schemas/nva.5
CLEANFILES += schemas/nva.5
schemas/nva.5: schemas/nva.ovsschema schemas/nva.xml
	$(AM_V_GEN)$(MKDIR_P) schemas && $(OVSDB_DOC) --version=$(VERSION) \
	  $(srcdir)/schemas/nva.ovsschema $(srcdir)/schemas/nva.xml \
	  > $@.tmp && $(SED) -i '/^\.TH/s/Open vSwitch/ovs-nve/g' $@.tmp \
	  && mv $@.tmp $@
