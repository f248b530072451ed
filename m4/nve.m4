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

  AC_SUBST([OVS_SRCDIR])
  AC_SUBST([OVS_BUILDDIR])
  AC_SUBST([OVS_VERSION])
])
