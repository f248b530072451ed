# nve-controller: the NVE daemon.
bin_PROGRAMS += controller/nve-controller
controller_nve_controller_SOURCES = \
	controller/flow-table.c \
	controller/flow-table.h \
	controller/meter-table.c \
	controller/meter-table.h \
	controller/ofctrl.c \
	controller/ofctrl.h \
	controller/ofctrl-meters.c \
	controller/ofctrl-monitor.c \
	controller/ofctrl-packet.c \
	controller/ofctrl-private.h \
	controller/ofctrl-stats.c \
	controller/pipeline.c \
	controller/pipeline.h \
	controller/profiles.c \
	controller/profiles.h \
	controller/remote-flows.c \
	controller/remote-flows.h \
	controller/tns-server.c \
	controller/tns-server.h \
	controller/tunnels.c \
	controller/tunnels.h \
	controller/vdp-server.c \
	controller/vdp-server.h \
	controller/vsi-counters.c \
	controller/vsi-counters.h \
	controller/vsi-flows.c \
	controller/vsi-flows.h \
	controller/vsi-table.c \
	controller/vsi-table.h \
	controller/nve-controller.c
controller_nve_controller_LDADD = lib/libnve.la $(OVS_LIBS) $(JANSSON_LIBS)

man_MANS += controller/nve-controller.8
CLEANFILES += controller/nve-controller.8
EXTRA_DIST += controller/nve-controller.8.xml
