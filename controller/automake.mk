# nve-controller: the NVE daemon.
bin_PROGRAMS += controller/nve-controller
controller_nve_controller_SOURCES = \
	controller/barrier.c \
	controller/barrier.h \
	controller/ecp-agent.c \
	controller/ecp-agent.h \
	controller/evb-agent.c \
	controller/evb-agent.h \
	controller/flow-table.c \
	controller/flow-table.h \
	controller/integration-bridge.c \
	controller/integration-bridge.h \
	controller/meter-table.c \
	controller/meter-table.h \
	controller/migration.c \
	controller/migration.h \
	controller/nva-client.c \
	controller/nva-client.h \
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
	controller/tns-reply.c \
	controller/tns-reply.h \
	controller/tns-result.c \
	controller/tns-result.h \
	controller/tns-server.c \
	controller/tns-server.h \
	controller/tns-queue.c \
	controller/tns-queue.h \
	controller/tunnels.c \
	controller/tunnels.h \
	controller/vdp-port.c \
	controller/vdp-port.h \
	controller/vdp-server.c \
	controller/vdp-server.h \
	controller/vsi.h \
	controller/vsi-config.c \
	controller/vsi-config.h \
	controller/vsi-counters.c \
	controller/vsi-counters.h \
	controller/vsi-db.c \
	controller/vsi-db.h \
	controller/vsi-flows.c \
	controller/vsi-flows.h \
	controller/vsi-plan.c \
	controller/vsi-plan.h \
	controller/vsi-resources.c \
	controller/vsi-resources.h \
	controller/vsi-table.c \
	controller/vsi-table.h \
	controller/nve-controller.c
controller_nve_controller_LDADD = lib/libnve.la $(OVS_LIBS) $(JANSSON_LIBS)

man_MANS += controller/nve-controller.8
CLEANFILES += controller/nve-controller.8
EXTRA_DIST += controller/nve-controller.8.xml
