# The Debian package: "dpkg-buildpackage -us -uc -b" from a clean tree, or
# tests/package-check.sh ("./dev.sh package-check") to build it and run it
# beside Debian's openvswitch-switch.
EXTRA_DIST += \
	debian/automake.mk \
	debian/changelog \
	debian/control \
	debian/copyright \
	debian/ovs-nve.default \
	debian/ovs-nve.docs \
	debian/ovs-nve.init \
	debian/ovs-nve.lintian-overrides \
	debian/ovs-nve.postinst \
	debian/ovs-nve.postrm \
	debian/ovs-nve.prerm \
	debian/ovs-nve.service \
	debian/rules \
	debian/source/format
