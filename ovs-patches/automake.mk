# Patches applied to the Open vSwitch tree by build-aux/prepare-ovs, in the
# order of ovs-patches/series.  Each one starts with a header saying why.
EXTRA_DIST += ovs-patches/series
EXTRA_DIST += ovs-patches/0001-ovsdb-cs-cond-change-only-when-monitoring.patch
EXTRA_DIST += ovs-patches/0002-ovsdb-idl-write-unreplicated-columns.patch
EXTRA_DIST += ovs-patches/0003-ovsdb-idl-share-default-datums.patch
EXTRA_DIST += ovs-patches/0004-ovsdb-idl-tables-without-replica.patch
EXTRA_DIST += ovs-patches/0005-rconn-cork.patch
