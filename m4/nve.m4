# -*- autoconf -*-
#
# NVE_CHECK_OVS: find the Open vSwitch 3.1 source and build trees.
#
# --with-ovs-source=DIR and --with-ovs-build=DIR name existing trees, the way
# OVN does it.  With neither, build-aux/prepare-ovs builds a tree from
# Debian's openvswitch-source tarball into a cache and both point there.
AC_DEFUN([NVE_CHECK_OVS], [
  AC_ARG_WITH([ovs-source],
    [AS_HELP_STRING([--with-ovs-source=DIR],
                    [Open vSwitch 3.1 source tree])],
    [OVS_SRCDIR=$withval], [OVS_SRCDIR=])
  AC_ARG_WITH([ovs-build],
    [AS_HELP_STRING([--with-ovs-build=DIR],
                    [Open vSwitch 3.1 build tree (default: the source tree)])],
    [OVS_BUILDDIR=$withval], [OVS_BUILDDIR=])

  if test -z "$OVS_SRCDIR" && test -z "$OVS_BUILDDIR"; then
    AC_MSG_NOTICE([preparing an Open vSwitch tree from Debian's openvswitch-source])
    OVS_SRCDIR=`$srcdir/build-aux/prepare-ovs "$srcdir" | tail -n 1`
    test -n "$OVS_SRCDIR" || AC_MSG_ERROR([could not prepare Open vSwitch])
  fi
  test -n "$OVS_SRCDIR" || OVS_SRCDIR=$OVS_BUILDDIR
  test -n "$OVS_BUILDDIR" || OVS_BUILDDIR=$OVS_SRCDIR
  OVS_SRCDIR=`cd "$OVS_SRCDIR" && pwd`
  OVS_BUILDDIR=`cd "$OVS_BUILDDIR" && pwd`

  AC_MSG_CHECKING([for an Open vSwitch 3.1 source tree])
  AS_IF([test -f "$OVS_SRCDIR/vswitchd/vswitch.ovsschema" &&
         test -f "$OVS_SRCDIR/lib/db-ctl-base.h"],
        [AC_MSG_RESULT([$OVS_SRCDIR])],
        [AC_MSG_ERROR([$OVS_SRCDIR is not an Open vSwitch source tree])])
  AC_MSG_CHECKING([for a built Open vSwitch tree])
  AS_IF([test -f "$OVS_BUILDDIR/config.h" &&
         test -f "$OVS_BUILDDIR/lib/libopenvswitch.la" &&
         test -f "$OVS_BUILDDIR/lib/vswitch-idl.h"],
        [AC_MSG_RESULT([$OVS_BUILDDIR])],
        [AC_MSG_ERROR([$OVS_BUILDDIR has no built libopenvswitch.la])])
  AC_MSG_CHECKING([Open vSwitch version])
  OVS_VERSION=`sed -n 's/^#define VERSION "\(.*\)"/\1/p' "$OVS_BUILDDIR/config.h"`
  AC_MSG_RESULT([$OVS_VERSION])
  case $OVS_VERSION in
    3.1.*) ;;
    *) AC_MSG_ERROR([Open vSwitch 3.1 is required, found $OVS_VERSION]) ;;
  esac

  dnl The directories compiled into libopenvswitch (ovs_rundir() and the
  dnl like) are the ones our programs use, whatever --prefix says, so the
  dnl man pages and ovs-nve-ctl take them from the same tree.
  AC_MSG_CHECKING([the directories of that Open vSwitch])
  nve_ovs_lib=$OVS_BUILDDIR/utilities/ovs-lib
  ovs_rundir=`sed -n "s/^rundir=.*'\(.*\)'.*/\1/p" "$nve_ovs_lib" 2>/dev/null`
  ovs_logdir=`sed -n "s/^logdir=.*'\(.*\)'.*/\1/p" "$nve_ovs_lib" 2>/dev/null`
  ovs_dbdir=`sed -n "s/^ *dbdir='\(.*\)'\$/\1/p" "$nve_ovs_lib" 2>/dev/null`
  ovs_pkgdatadir=`sed -n "s/^datadir=.*'\(.*\)'.*/\1/p" "$nve_ovs_lib" \
                    2>/dev/null`
  ovs_pkidir=`sed -n "s/^pkidir='\(.*\)'\$/\1/p" \
                "$OVS_BUILDDIR/utilities/ovs-pki" 2>/dev/null`
  AS_IF([test -n "$ovs_rundir" && test -n "$ovs_logdir" &&
         test -n "$ovs_dbdir" && test -n "$ovs_pkgdatadir" &&
         test -n "$ovs_pkidir"],
        [AC_MSG_RESULT([$ovs_rundir, $ovs_logdir, $ovs_dbdir, $ovs_pkidir])],
        [AC_MSG_ERROR([$OVS_BUILDDIR has no utilities/ovs-lib or ovs-pki])])

  AC_SUBST([OVS_SRCDIR])
  AC_SUBST([OVS_BUILDDIR])
  AC_SUBST([OVS_VERSION])
  AC_SUBST([ovs_rundir])
  AC_SUBST([ovs_logdir])
  AC_SUBST([ovs_dbdir])
  AC_SUBST([ovs_pkgdatadir])
  AC_SUBST([ovs_pkidir])
])
