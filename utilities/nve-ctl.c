/*
 * Copyright (c) 2026 The ovs-nve authors.
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at:
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

/* nve-ctl: the configuration utility of the NVE database.
 *
 * Like ovs-vsctl and vtep-ctl, nve-ctl is built on db-ctl-base: it parses a
 * series of commands separated by "--", runs all of them against a local
 * replica of the database inside one transaction and commits that
 * transaction, or none of it if any command fails.  The generic database
 * commands (list, get, set, ...) come from db-ctl-base; this file adds the
 * commands that know what the NVE tables mean, validate their input and keep
 * the references between the tables consistent. */

#include <config.h>

#include <arpa/inet.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "command-line.h"
#include "db-ctl-base.h"
#include "fatal-signal.h"
#include "lib/acl-match.h"
#include "lib/nve-idl.h"
#include "lib/nve-options.h"
#include "lib/vsi-row.h"
#include "openvswitch/dynamic-string.h"
#include "openvswitch/json.h"
#include "openvswitch/match.h"
#include "openvswitch/poll-loop.h"
#include "openvswitch/shash.h"
#include "openvswitch/vlog.h"
#include "ovsdb-data.h"
#include "ovsdb-idl.h"
#include "packets.h"
#include "process.h"
#include "socket-util.h"
#include "sset.h"
#include "stream.h"
#include "svec.h"
#include "table.h"
#include "timeval.h"
#include "util.h"

VLOG_DEFINE_THIS_MODULE(nve_ctl);

/* --db: The database server to contact. */
static const char *db;

/* --oneline: Write each command's output as a single line? */
static bool oneline;

/* --dry-run: Do not commit any changes. */
static bool dry_run;

/* --wait, --no-wait: After committing a change, wait until nve-controller
 * has installed the flows that implement it? */
static bool wait_for_controller;

/* --timeout: Time to wait for a connection to 'db'. */
static unsigned int timeout;

/* --retry: Keep trying to connect to 'db' instead of failing at once. */
static bool retry;

/* Format for table output. */
static struct table_style table_style = TABLE_STYLE_DEFAULT;

/* The IDL we're using and the current transaction, if any.
 * This is for use by nve_ctl_exit() only, to allow it to clean up.
 * Other code should use its context arguments. */
static struct ovsdb_idl *the_idl;
static struct ovsdb_idl_txn *the_idl_txn;

OVS_NO_RETURN static void nve_ctl_exit(int status);
static void nve_ctl_cmd_init(void);
OVS_NO_RETURN static void usage(void);
static void parse_options(int argc, char *argv[], struct shash *local_options);
static void run_prerequisites(struct ctl_command[], size_t n_commands,
                              struct ovsdb_idl *);
static bool do_nve_ctl(const char *args, struct ctl_command *, size_t n,
                       struct ovsdb_idl *);

int
main(int argc, char *argv[])
{
    struct ctl_command *commands;
    struct shash local_options;
    size_t n_commands;

    ovs_set_program_name(argv[0], NVE_VERSION);
    fatal_ignore_sigpipe();
    vlog_set_levels(NULL, VLF_CONSOLE, VLL_WARN);
    vlog_set_levels_from_string_assert("reconnect:warn");

    nve_ctl_cmd_init();

    /* Parse command line. */
    char *args = process_escape_args(argv);
    shash_init(&local_options);
    parse_options(argc, argv, &local_options);
    char *error = ctl_parse_commands(argc - optind, argv + optind,
                                     &local_options, &commands, &n_commands);
    if (error) {
        ctl_fatal("%s", error);
    }
    VLOG(ctl_might_write_to_db(commands, n_commands) ? VLL_INFO : VLL_DBG,
         "Called as %s", args);

    /* Waiting only makes sense for a change. */
    if (dry_run || !ctl_might_write_to_db(commands, n_commands)) {
        wait_for_controller = false;
    }

    ctl_timeout_setup(timeout);

    /* Initialize IDL. */
    struct ovsdb_idl *idl = the_idl
        = ovsdb_idl_create_unconnected(&nverec_idl_class, false);
    ovsdb_idl_set_remote(idl, db, retry);
    run_prerequisites(commands, n_commands, idl);

    /* Execute the commands.
     *
     * 'seqno' is the database sequence number for which we last tried to
     * execute our transaction.  There's no point in trying to commit more than
     * once for any given sequence number, because if the transaction fails
     * it's because the database changed and we need to obtain an up-to-date
     * view of the database before we try the transaction again. */
    unsigned int seqno = ovsdb_idl_get_seqno(idl);
    for (;;) {
        ovsdb_idl_run(idl);
        if (!ovsdb_idl_is_alive(idl)) {
            int retval = ovsdb_idl_get_last_error(idl);
            ctl_fatal("%s: database connection failed (%s)",
                      db, ovs_retval_to_string(retval));
        }

        if (seqno != ovsdb_idl_get_seqno(idl)) {
            seqno = ovsdb_idl_get_seqno(idl);
            if (do_nve_ctl(args, commands, n_commands, idl)) {
                free(args);
                exit(EXIT_SUCCESS);
            }
        }

        if (seqno == ovsdb_idl_get_seqno(idl)) {
            ovsdb_idl_wait(idl);
            poll_block();
        }
    }
}

static void
parse_options(int argc, char *argv[], struct shash *local_options)
{
    enum {
        OPT_DB = UCHAR_MAX + 1,
        OPT_ONELINE,
        OPT_NO_WAIT,
        OPT_WAIT,
        OPT_DRY_RUN,
        OPT_RETRY,
        OPT_LOCAL,
        OPT_COMMANDS,
        OPT_OPTIONS,
        VLOG_OPTION_ENUMS,
        TABLE_OPTION_ENUMS,
        NVE_SSL_OPTION_ENUMS,
    };
    static const struct option global_long_options[] = {
        {"db", required_argument, NULL, OPT_DB},
        {"no-wait", no_argument, NULL, OPT_NO_WAIT},
        {"wait", no_argument, NULL, OPT_WAIT},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"oneline", no_argument, NULL, OPT_ONELINE},
        {"timeout", required_argument, NULL, 't'},
        {"retry", no_argument, NULL, OPT_RETRY},
        {"help", no_argument, NULL, 'h'},
        {"commands", no_argument, NULL, OPT_COMMANDS},
        {"options", no_argument, NULL, OPT_OPTIONS},
        {"version", no_argument, NULL, 'V'},
        VLOG_LONG_OPTIONS,
        TABLE_LONG_OPTIONS,
        NVE_SSL_LONG_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const int n_global_long_options = ARRAY_SIZE(global_long_options) - 1;

    char *tmp = ovs_cmdl_long_options_to_short_options(global_long_options);
    char *short_options = xasprintf("+%s", tmp);
    free(tmp);

    /* We want to parse both global and command-specific options here, but
     * getopt_long() isn't too convenient for the job.  We copy our global
     * options into a dynamic array, then append all of the command-specific
     * options. */
    struct option *options = xmemdup(global_long_options,
                                     sizeof global_long_options);
    size_t allocated_options = ARRAY_SIZE(global_long_options);
    size_t n_options = n_global_long_options;
    ctl_add_cmd_options(&options, &n_options, &allocated_options, OPT_LOCAL);

    for (;;) {
        int idx;
        int c = getopt_long(argc, argv, short_options, options, &idx);
        if (c == -1) {
            break;
        }

        switch (c) {
        case OPT_DB:
            db = optarg;
            break;

        case OPT_ONELINE:
            oneline = true;
            break;

        case OPT_NO_WAIT:
            wait_for_controller = false;
            break;

        case OPT_WAIT:
            wait_for_controller = true;
            break;

        case OPT_DRY_RUN:
            dry_run = true;
            break;

        case OPT_RETRY:
            retry = true;
            break;

        case OPT_LOCAL:
            if (shash_find(local_options, options[idx].name)) {
                ctl_fatal("'%s' option specified multiple times",
                          options[idx].name);
            }
            shash_add_nocopy(local_options,
                             xasprintf("--%s", options[idx].name),
                             nullable_xstrdup(optarg));
            break;

        case 'h':
            usage();

        case OPT_COMMANDS:
            ctl_print_commands();
            /* fall through */

        case OPT_OPTIONS:
            ctl_print_options(global_long_options);
            /* fall through */

        case 'V':
            ovs_print_version(0, 0);
            printf("DB Schema %s\n", nverec_get_db_version());
            exit(EXIT_SUCCESS);

        case 't':
            if (!nve_options_parse_timeout(optarg, &timeout)) {
                ctl_fatal("value %s on -t or --timeout is invalid", optarg);
            }
            break;

        VLOG_OPTION_HANDLERS
        TABLE_OPTION_HANDLERS(&table_style)
        NVE_SSL_OPTION_HANDLERS

        case '?':
            exit(EXIT_FAILURE);

        default:
            abort();
        }
    }
    free(short_options);

    if (!db) {
        const char *env = getenv("NVE_DB");
        db = env && env[0] ? env : ctl_default_db();
    }

    for (size_t i = n_global_long_options; options[i].name; i++) {
        free(CONST_CAST(char *, options[i].name));
    }
    free(options);
}

/* Frees the current transaction and the underlying IDL and then calls
 * exit(status).
 *
 * Freeing the transaction and the IDL is not strictly necessary, but it makes
 * for a clean memory leak report from valgrind in the normal case.  That makes
 * it easier to notice real memory leaks. */
static void
nve_ctl_exit(int status)
{
    if (the_idl_txn) {
        ovsdb_idl_txn_abort(the_idl_txn);
        ovsdb_idl_txn_destroy(the_idl_txn);
    }
    ovsdb_idl_destroy(the_idl);
    exit(status);
}

static void
usage(void)
{
    printf("\
%s: NVE configuration utility\n\
usage: %s [OPTIONS] COMMAND [ARG...]\n\
\n\
General commands:\n\
  init                        initialize the database, if it is empty\n\
  show                        print overview of database contents\n\
\n\
NVE commands:\n\
  set-name NAME               set the name of this NVE\n\
  set-underlay IP             set the underlay (tunnel source) address\n\
  set-encap vxlan|geneve      set the default encapsulation\n\
  set-bridge BRIDGE           set the integration bridge\n\
  set-keepalive-timeout MSECS set the TES keepalive timeout\n\
\n\
Virtual network commands:\n\
  [--profile=PROFILE] [--pcp=PCP]\n\
  add-vn VN VNID              create virtual network VN with VNID\n\
  del-vn VN                   delete VN and every binding to it\n\
  list-vn [TES]               print the names of all (TES's) VNs\n\
  set-vn-profile VN [PROFILE] set (or clear) VN's policy profile\n\
  set-vn-pcp VN [PCP]         set (or clear) VN's priority code point\n\
\n\
TES commands:\n\
  add-tes TES                 create tenant system TES\n\
  del-tes TES                 delete TES\n\
  list-tes                    print the names of all the TESes\n\
  tes-add-port TES PORT       attach PORT to TES\n\
  tes-del-port TES PORT       detach PORT from TES\n\
  tes-add-vn TES VN           allow TES to join VN\n\
  tes-del-vn TES VN           no longer allow TES to join VN\n\
\n\
Port commands:\n\
  add-port PORT [VID_MIN VID_MAX]  create PORT with a VID pool\n\
  del-port PORT               delete PORT\n\
  list-ports [TES]            print the names of all (TES's) ports\n\
  set-port-vids PORT [VID_MIN VID_MAX]  set (or clear) PORT's VID pool\n\
  bind-vid PORT VID VN        bind VID on PORT to VN\n\
  unbind-vid PORT VID         unbind VID on PORT\n\
  list-bindings PORT          print the VID bindings of PORT\n\
\n\
Policy profile commands:\n\
  add-profile PROFILE         create policy profile PROFILE\n\
  del-profile PROFILE         delete PROFILE and its ACLs\n\
  list-profiles               print the names of all the profiles\n\
  add-acl PROFILE DIRECTION PRIORITY MATCH ACTION  add an ACL to PROFILE\n\
  del-acl PROFILE [DIRECTION [PRIORITY MATCH]]  delete ACLs from PROFILE\n\
  list-acl PROFILE            print the ACLs of PROFILE\n\
\n\
Remote NVE commands:\n\
  add-remote REMOTE IP [ENCAP]  create remote NVE REMOTE at IP\n\
  del-remote REMOTE           delete REMOTE and its mappings\n\
  list-remotes                print the names of all the remotes\n\
  remote-add-vn REMOTE VN     add VN to the VNs REMOTE serves\n\
  remote-del-vn REMOTE VN     remove VN from the VNs REMOTE serves\n\
\n\
Remote mapping commands:\n\
  add-mapping VN MAC REMOTE [IP]  map MAC in VN to REMOTE\n\
  del-mapping VN MAC          delete the mapping of MAC in VN\n\
  list-mappings [VN]          print all (VN's) mappings\n\
\n\
VSI commands:\n\
  list-vsi                    print the VSIs and their states\n\
\n\
SSL commands:\n\
  get-ssl                     print the SSL configuration\n\
  del-ssl                     delete the SSL configuration\n\
  [--bootstrap] set-ssl PRIV-KEY CERT CA-CERT [PROTOCOLS [CIPHERS]]\n\
                              set the SSL configuration\n\
\n\
TNS remote commands:\n\
  get-tns-remote              print the TNS remotes\n\
  set-tns-remote TARGET...    set the TNS remotes to TARGET...\n\
  add-tns-remote TARGET...    add TARGET... to the TNS remotes\n\
  del-tns-remote [TARGET...]  delete TARGET... (or all) TNS remotes\n\
\n\
%s\
%s\
\n\
Options:\n\
  --db=DATABASE               connect to DATABASE\n\
                              (default: $NVE_DB or %s)\n\
  --wait                      wait for nve-controller to apply changes\n\
  --no-wait                   do not wait (default)\n\
  -t, --timeout=SECS          wait at most SECS seconds\n\
  --retry                     keep trying to connect to the database\n\
  --dry-run                   do not commit changes to database\n\
  --oneline                   print exactly one line of output per command\n",
           program_name, program_name, ctl_get_db_cmd_usage(),
           ctl_list_db_tables_usage(), ctl_default_db());
    table_usage();
    vlog_usage();
    stream_usage("database", true, true, true);
    printf("\n\
Other options:\n\
  -h, --help                  display this help message\n\
  -V, --version               display version information\n");
    exit(EXIT_SUCCESS);
}

/* nve-ctl specific context.  Inherits the 'struct ctl_context' as base. */
struct nve_ctl_context {
    struct ctl_context base;

    /* The NVE_Global row.  Null only if the database has none and no command
     * might write to it. */
    const struct nverec_nve_global *global;
};

/* Casts 'base' into 'struct nve_ctl_context'. */
static struct nve_ctl_context *
nve_ctl_context_cast(struct ctl_context *base)
{
    return CONTAINER_OF(base, struct nve_ctl_context, base);
}

/* Parsing and validation of arguments.
 *
 * Each function returns NULL if 's' is valid, otherwise a malloc()'d error
 * message that names 's'. */

/* Parses 's' as a decimal integer between 'min' and 'max', inclusive, into
 * '*valuep'.  'what' names the value in the error message. */
static char * OVS_WARN_UNUSED_RESULT
parse_integer(const char *s, const char *what, long long int min,
              long long int max, int64_t *valuep)
{
    long long int value;

    if (!str_to_llong(s, 10, &value) || value < min || value > max) {
        return xasprintf("%s: %s must be between %lld and %lld",
                         s, what, min, max);
    }
    *valuep = value;
    return NULL;
}

static char * OVS_WARN_UNUSED_RESULT
parse_vnid(const char *s, int64_t *vnidp)
{
    return parse_integer(s, "vnid", 1, (1 << 24) - 1, vnidp);
}

static char * OVS_WARN_UNUSED_RESULT
parse_vid(const char *s, int64_t *vidp)
{
    return parse_integer(s, "vid", 1, 4094, vidp);
}

static char * OVS_WARN_UNUSED_RESULT
parse_pcp(const char *s, int64_t *pcpp)
{
    return parse_integer(s, "pcp", 0, 7, pcpp);
}

/* Parses 's' as an IPv4 or IPv6 address and stores its canonical textual
 * form, which the caller must free, in '*canonp'. */
static char * OVS_WARN_UNUSED_RESULT
parse_ip(const char *s, char **canonp)
{
    char buf[INET6_ADDRSTRLEN];
    struct in6_addr in6;
    struct in_addr in4;

    if (inet_pton(AF_INET, s, &in4) == 1) {
        *canonp = xstrdup(inet_ntop(AF_INET, &in4, buf, sizeof buf));
    } else if (inet_pton(AF_INET6, s, &in6) == 1) {
        *canonp = xstrdup(inet_ntop(AF_INET6, &in6, buf, sizeof buf));
    } else {
        *canonp = NULL;
        return xasprintf("%s: invalid IP address", s);
    }
    return NULL;
}

/* Returns true if 'a' and 'b' are the same IP address, comparing canonical
 * forms when both parse and the strings themselves otherwise. */
static bool
ip_equals(const char *a, const char *b)
{
    char *ca, *cb;
    char *ea = parse_ip(a, &ca);
    char *eb = parse_ip(b, &cb);
    bool equal = !ea && !eb ? !strcmp(ca, cb) : !strcmp(a, b);

    free(ea);
    free(eb);
    free(ca);
    free(cb);
    return equal;
}

/* Parses 's' as a unicast Ethernet address and stores its canonical textual
 * form, which the caller must free, in '*canonp'. */
static char * OVS_WARN_UNUSED_RESULT
parse_unicast_mac(const char *s, char **canonp)
{
    struct eth_addr ea;

    *canonp = NULL;
    if (!eth_addr_from_string(s, &ea)) {
        return xasprintf("%s: invalid MAC address", s);
    }
    if (eth_addr_is_multicast(ea)) {
        return xasprintf("%s: MAC address must be unicast", s);
    }
    *canonp = xasprintf(ETH_ADDR_FMT, ETH_ADDR_ARGS(ea));
    return NULL;
}

/* Returns true if 'a' and 'b' are the same Ethernet address. */
static bool
mac_equals(const char *a, const char *b)
{
    struct eth_addr ea, eb;

    if (eth_addr_from_string(a, &ea) && eth_addr_from_string(b, &eb)) {
        return eth_addr_equals(ea, eb);
    }
    return !strcmp(a, b);
}

static char * OVS_WARN_UNUSED_RESULT
parse_encap(const char *s)
{
    if (strcmp(s, "vxlan") && strcmp(s, "geneve")) {
        return xasprintf("%s: encap must be vxlan or geneve", s);
    }
    return NULL;
}

static char * OVS_WARN_UNUSED_RESULT
parse_name(const char *s, const char *what)
{
    if (!s[0]) {
        return xasprintf("%s name must not be empty", what);
    }
    return NULL;
}

/* Checks that 's' is a valid TNS remote, a passive connection method on
 * which nve-controller listens for TESes: "punix:FILE", "ptcp:PORT[:IP]" or
 * "pssl:PORT[:IP]". */
static char * OVS_WARN_UNUSED_RESULT
validate_tns_remote(const char *s)
{
    const char *syntax = "expected punix:FILE, ptcp:PORT[:IP] or "
                         "pssl:PORT[:IP]";
    char *error = NULL;

    if (pstream_verify_name(s)) {
        return xasprintf("%s: invalid TNS remote (%s)", s, syntax);
    }

    if (!strncmp(s, "punix:", 6)) {
        if (!s[6]) {
            error = xasprintf("%s: invalid TNS remote (missing file name)",
                              s);
        }
    } else if (!strncmp(s, "ptcp:", 5) || !strncmp(s, "pssl:", 5)) {
        char *copy = xstrdup(s + 5);
        char *port, *host;
        int port_no;

        inet_parse_port_host_tokens(copy, &port, &host);
        if (!port || !str_to_int(port, 10, &port_no)
            || port_no < 0 || port_no > 65535) {
            error = xasprintf("%s: invalid TNS remote (bad port number)", s);
        } else if (host) {
            struct in6_addr in6;
            struct in_addr in4;

            if (inet_pton(AF_INET, host, &in4) != 1
                && inet_pton(AF_INET6, host, &in6) != 1) {
                error = xasprintf("%s: invalid TNS remote (bad IP address)",
                                  s);
            }
        }
        free(copy);
    } else {
        error = xasprintf("%s: invalid TNS remote (%s)", s, syntax);
    }
    return error;
}

/* Looking up rows by name.
 *
 * Each function returns the row of its table with the given name.  If there
 * is none, it returns NULL and, if 'must_exist' is true, also reports an
 * error in 'ctx'.  NAMED_ROW_LOOKUP defines one per table, typed, around
 * named_row_lookup(). */

/* Returns the row of 'table' whose string column 'name_column' is 'name',
 * 'kind' naming such rows in the error message. */
static const struct ovsdb_idl_row *
named_row_lookup(struct ctl_context *ctx,
                 const struct ovsdb_idl_table_class *table,
                 const struct ovsdb_idl_column *name_column,
                 const char *kind, const char *name, bool must_exist)
{
    const struct ovsdb_idl_row *row;

    for (row = ovsdb_idl_first_row(ctx->idl, table); row;
         row = ovsdb_idl_next_row(row)) {
        const struct ovsdb_datum *datum = ovsdb_idl_read(row, name_column);
        if (datum->n == 1 && !strcmp(json_string(datum->keys[0].s), name)) {
            return row;
        }
    }
    if (must_exist) {
        ctl_error(ctx, "no %s named %s", kind, name);
    }
    return NULL;
}

/* Defines FUNCTION(ctx, name, must_exist), which looks up a row of the
 * table whose rows are "struct nverec_TABLE" by its "name" column, KIND
 * naming such rows in the error message. */
#define NAMED_ROW_LOOKUP(FUNCTION, TABLE, KIND)                             \
    static const struct nverec_##TABLE *                                    \
    FUNCTION(struct ctl_context *ctx, const char *name, bool must_exist)    \
    {                                                                       \
        const struct ovsdb_idl_row *row                                     \
            = named_row_lookup(ctx, &nverec_table_##TABLE,                  \
                               &nverec_##TABLE##_col_name, KIND, name,      \
                               must_exist);                                 \
        return (row                                                         \
                ? CONTAINER_OF(row, struct nverec_##TABLE, header_)         \
                : NULL);                                                    \
    }

NAMED_ROW_LOOKUP(vn_lookup, virtual_network, "vn")
NAMED_ROW_LOOKUP(tes_lookup, tes, "tes")
NAMED_ROW_LOOKUP(port_lookup, tes_port, "port")
NAMED_ROW_LOOKUP(profile_lookup, policy_profile, "profile")
NAMED_ROW_LOOKUP(remote_lookup, remote_nve, "remote")

/* For "add-tes TES" and "add-profile PROFILE", whose rows have nothing but
 * a name: returns true if the caller should create a row of 'table' named
 * ctx->argv[1] in 'name_column', that is, if the name is valid and no row
 * has it yet.  Reports an error in 'ctx' if the name is invalid, or if a
 * row has it and the command has no --may-exist.  'kind' names such rows in
 * errors. */
static bool
named_row_may_add(struct ctl_context *ctx,
                  const struct ovsdb_idl_table_class *table,
                  const struct ovsdb_idl_column *name_column,
                  const char *kind)
{
    bool may_exist = shash_find(&ctx->options, "--may-exist") != NULL;
    const char *name = ctx->argv[1];

    ctx->error = parse_name(name, kind);
    if (ctx->error) {
        return false;
    }
    if (named_row_lookup(ctx, table, name_column, kind, name, false)) {
        if (!may_exist) {
            ctl_error(ctx, "%s %s already exists", kind, name);
        }
        return false;
    }
    return true;
}

/* Returns the TES to which 'port' is attached, if any. */
static const struct nverec_tes *
port_get_tes(struct ctl_context *ctx, const struct nverec_tes_port *port)
{
    const struct nverec_tes *tes;

    NVEREC_TES_FOR_EACH (tes, ctx->idl) {
        for (size_t i = 0; i < tes->n_ports; i++) {
            if (tes->ports[i] == port) {
                return tes;
            }
        }
    }
    return NULL;
}

/* Sorting rows for output. */

struct named_row {
    const char *name;
    const struct ovsdb_idl_row *row;
};

static int
compare_named_rows(const void *a_, const void *b_)
{
    const struct named_row *a = a_;
    const struct named_row *b = b_;

    return strcmp(a->name, b->name);
}

/* Returns the rows of 'table' sorted by the string column 'name_column', in
 * an array of '*n' elements that the caller must free. */
static const struct ovsdb_idl_row **
sort_rows_by_name(struct ovsdb_idl *idl,
                  const struct ovsdb_idl_table_class *table,
                  const struct ovsdb_idl_column *name_column, size_t *n)
{
    struct named_row *named = NULL;
    size_t allocated = 0;

    *n = 0;
    for (const struct ovsdb_idl_row *row = ovsdb_idl_first_row(idl, table);
         row; row = ovsdb_idl_next_row(row)) {
        const struct ovsdb_datum *datum = ovsdb_idl_read(row, name_column);

        if (*n >= allocated) {
            named = x2nrealloc(named, &allocated, sizeof *named);
        }
        named[*n].name = datum->n ? json_string(datum->keys[0].s) : "";
        named[*n].row = row;
        (*n)++;
    }
    if (*n) {
        qsort(named, *n, sizeof *named, compare_named_rows);
    }

    const struct ovsdb_idl_row **rows = xmalloc(*n * sizeof *rows);
    for (size_t i = 0; i < *n; i++) {
        rows[i] = named[i].row;
    }
    free(named);
    return rows;
}

/* Prints the name in 'name_column' of every row of 'table', sorted, one per
 * line. */
static void
print_row_names(struct ctl_context *ctx,
                const struct ovsdb_idl_table_class *table,
                const struct ovsdb_idl_column *name_column)
{
    size_t n;
    const struct ovsdb_idl_row **rows = sort_rows_by_name(ctx->idl, table,
                                                          name_column, &n);
    for (size_t i = 0; i < n; i++) {
        const struct ovsdb_datum *datum = ovsdb_idl_read(rows[i],
                                                         name_column);

        ds_put_format(&ctx->output, "%s\n",
                      datum->n ? json_string(datum->keys[0].s) : "");
    }
    free(rows);
}

/* Adds the names of the 'n' virtual networks in 'vns' to 'names', and sorts
 * 'names'. */
static void
vn_names(struct nverec_virtual_network **vns, size_t n, struct svec *names)
{
    for (size_t i = 0; i < n; i++) {
        svec_add(names, vns[i]->name);
    }
    svec_sort(names);
}

static void
print_svec(struct ds *output, const struct svec *names)
{
    const char *name;
    size_t i;

    SVEC_FOR_EACH (i, name, names) {
        ds_put_format(output, "%s\n", name);
    }
}

/* Prerequisites.
 *
 * The commands that keep the configuration consistent read most of it, so
 * they replicate every configuration table.  Only "show" and "list-vsi" read
 * the VSI tables, which nve-controller writes and which may be large. */

/* Replicates every column of 'table'. */
static void
add_table(struct ovsdb_idl *idl, const struct ovsdb_idl_table_class *table)
{
    ovsdb_idl_add_table(idl, table);
    for (size_t i = 0; i < table->n_columns; i++) {
        ovsdb_idl_add_column(idl, &table->columns[i]);
    }
}

static void
pre_config(struct ctl_context *ctx)
{
    add_table(ctx->idl, &nverec_table_nve_global);
    add_table(ctx->idl, &nverec_table_ssl);
    add_table(ctx->idl, &nverec_table_virtual_network);
    add_table(ctx->idl, &nverec_table_tes);
    add_table(ctx->idl, &nverec_table_tes_port);
    add_table(ctx->idl, &nverec_table_policy_profile);
    add_table(ctx->idl, &nverec_table_acl);
    add_table(ctx->idl, &nverec_table_remote_nve);
    add_table(ctx->idl, &nverec_table_remote_mapping);
}

static void
pre_vsi(struct ctl_context *ctx)
{
    add_table(ctx->idl, &nverec_table_vsi);
    add_table(ctx->idl, &nverec_table_vsi_binding);
}

static void
pre_show(struct ctl_context *ctx)
{
    pre_config(ctx);
    pre_vsi(ctx);
}

/* "init": the NVE_Global row is created, if missing, by every transaction
 * that might write to the database (see do_nve_ctl()), so there is nothing
 * left to do. */
static void
cmd_init(struct ctl_context *ctx OVS_UNUSED)
{
}

/* "show". */

static void
show_indent(struct ds *output, int level)
{
    ds_put_char_multiple(output, ' ', level * 4);
}

/* Appends 's' to 'output', quoted as OVSDB quotes strings that need it. */
static void
show_put_string(struct ds *output, const char *s)
{
    union ovsdb_atom atom = { .s = ovsdb_atom_string_create(s) };

    ovsdb_atom_to_string(&atom, OVSDB_TYPE_STRING, output);
    ovsdb_atom_destroy(&atom, OVSDB_TYPE_STRING);
}

/* Prints the header line of a row: its kind, then its name. */
static void
show_header(struct ds *output, int level, const char *kind, const char *name)
{
    show_indent(output, level);
    ds_put_format(output, "%s ", kind);
    show_put_string(output, name);
    ds_put_char(output, '\n');
}

/* Prints 'column' of 'row' as "name: value", unless it has its default
 * value. */
static void
show_column(struct ds *output, int level, const struct ovsdb_idl_row *row,
            const struct ovsdb_idl_column *column)
{
    const struct ovsdb_datum *datum = ovsdb_idl_read(row, column);

    if (!ovsdb_datum_is_default(datum, &column->type)) {
        show_indent(output, level);
        ds_put_format(output, "%s: ", column->name);
        ovsdb_datum_to_string(datum, &column->type, output);
        ds_put_char(output, '\n');
    }
}

/* Prints the names in 'names', which must be sorted, as "key: [a, b]". */
static void
show_names(struct ds *output, int level, const char *key,
           const struct svec *names)
{
    if (names->n) {
        show_indent(output, level);
        ds_put_format(output, "%s: [", key);
        for (size_t i = 0; i < names->n; i++) {
            if (i) {
                ds_put_cstr(output, ", ");
            }
            show_put_string(output, names->names[i]);
        }
        ds_put_cstr(output, "]\n");
    }
}

static void
show_vn(struct ds *output, int level, const struct nverec_virtual_network *vn)
{
    show_header(output, level, "Virtual_Network", vn->name);
    show_column(output, level + 1, &vn->header_,
                &nverec_virtual_network_col_vnid);
    if (vn->profile) {
        show_indent(output, level + 1);
        ds_put_cstr(output, "profile: ");
        show_put_string(output, vn->profile->name);
        ds_put_char(output, '\n');
    }
    show_column(output, level + 1, &vn->header_,
                &nverec_virtual_network_col_pcp);
    show_column(output, level + 1, &vn->header_,
                &nverec_virtual_network_col_description);
}

static int
compare_acls(const void *a_, const void *b_)
{
    const struct nverec_acl *const *ap = a_;
    const struct nverec_acl *const *bp = b_;
    const struct nverec_acl *a = *ap;
    const struct nverec_acl *b = *bp;
    int dir = strcmp(a->direction, b->direction);

    /* "from-vsi" sorts before "to-vsi", then higher priorities come first,
     * then matches and actions in alphabetical order. */
    if (dir) {
        return dir;
    } else if (a->priority != b->priority) {
        return a->priority > b->priority ? -1 : 1;
    } else {
        int cmp = strcmp(a->match, b->match);
        return cmp ? cmp : strcmp(a->action, b->action);
    }
}

/* Returns the ACLs of 'profile' sorted, in an array that the caller must
 * free. */
static const struct nverec_acl **
sort_acls(const struct nverec_policy_profile *profile)
{
    const struct nverec_acl **acls = xmemdup(profile->acls,
                                             profile->n_acls * sizeof *acls);
    if (profile->n_acls) {
        qsort(acls, profile->n_acls, sizeof *acls, compare_acls);
    }
    return acls;
}

static void
format_acl(struct ds *output, const struct nverec_acl *acl)
{
    ds_put_format(output, "%8s %5"PRId64" (%s) %s", acl->direction,
                  acl->priority, acl->match, acl->action);
}

static void
show_profile(struct ds *output, int level,
             const struct nverec_policy_profile *profile)
{
    show_header(output, level, "Policy_Profile", profile->name);
    show_column(output, level + 1, &profile->header_,
                &nverec_policy_profile_col_pcp);
    show_column(output, level + 1, &profile->header_,
                &nverec_policy_profile_col_rate_kbps);
    show_column(output, level + 1, &profile->header_,
                &nverec_policy_profile_col_burst_kb);
    show_column(output, level + 1, &profile->header_,
                &nverec_policy_profile_col_vdp_type_id);
    show_column(output, level + 1, &profile->header_,
                &nverec_policy_profile_col_vdp_type_version);

    const struct nverec_acl **acls = sort_acls(profile);
    for (size_t i = 0; i < profile->n_acls; i++) {
        show_indent(output, level + 1);
        ds_put_format(output, "ACL %s %"PRId64" ", acls[i]->direction,
                      acls[i]->priority);
        show_put_string(output, acls[i]->match);
        ds_put_format(output, " %s\n", acls[i]->action);
    }
    free(acls);
}

struct vid_binding {
    int64_t vid;
    const struct nverec_virtual_network *vn;
};

static int
compare_vid_bindings(const void *a_, const void *b_)
{
    const struct vid_binding *a = a_;
    const struct vid_binding *b = b_;

    return a->vid < b->vid ? -1 : a->vid > b->vid;
}

/* Returns the VID bindings of 'port' sorted by VID, in an array that the
 * caller must free. */
static struct vid_binding *
sort_vid_bindings(const struct nverec_tes_port *port)
{
    struct vid_binding *bindings = xmalloc(port->n_vid_bindings
                                           * sizeof *bindings);

    for (size_t i = 0; i < port->n_vid_bindings; i++) {
        bindings[i].vid = port->key_vid_bindings[i];
        bindings[i].vn = port->value_vid_bindings[i];
    }
    if (port->n_vid_bindings) {
        qsort(bindings, port->n_vid_bindings, sizeof *bindings,
              compare_vid_bindings);
    }
    return bindings;
}

static void
show_port(struct ds *output, int level, const struct nverec_tes_port *port)
{
    show_header(output, level, "TES_Port", port->name);
    show_column(output, level + 1, &port->header_,
                &nverec_tes_port_col_vid_min);
    show_column(output, level + 1, &port->header_,
                &nverec_tes_port_col_vid_max);
    show_column(output, level + 1, &port->header_,
                &nverec_tes_port_col_max_vsis);
    if (port->n_vid_bindings) {
        struct vid_binding *bindings = sort_vid_bindings(port);

        show_indent(output, level + 1);
        ds_put_cstr(output, "vid_bindings: {");
        for (size_t i = 0; i < port->n_vid_bindings; i++) {
            ds_put_format(output, "%s%"PRId64"=", i ? ", " : "",
                          bindings[i].vid);
            show_put_string(output, bindings[i].vn->name);
        }
        ds_put_cstr(output, "}\n");
        free(bindings);
    }
}

static int
compare_ports(const void *a_, const void *b_)
{
    const struct nverec_tes_port *const *a = a_;
    const struct nverec_tes_port *const *b = b_;

    return strcmp((*a)->name, (*b)->name);
}

static void
show_tes(struct ds *output, int level, const struct nverec_tes *tes)
{
    struct svec names = SVEC_EMPTY_INITIALIZER;

    show_header(output, level, "TES", tes->name);
    vn_names(tes->vns, tes->n_vns, &names);
    show_names(output, level + 1, "vns", &names);
    svec_destroy(&names);
    show_column(output, level + 1, &tes->header_, &nverec_tes_col_max_vsis);

    const struct nverec_tes_port **ports = xmemdup(tes->ports,
                                                   tes->n_ports
                                                   * sizeof *ports);
    if (tes->n_ports) {
        qsort(ports, tes->n_ports, sizeof *ports, compare_ports);
    }
    for (size_t i = 0; i < tes->n_ports; i++) {
        show_port(output, level + 1, ports[i]);
    }
    free(ports);
}

struct mapping {
    const char *vn;
    const char *mac;
    const struct nverec_remote_mapping *row;
};

static int
compare_mappings(const void *a_, const void *b_)
{
    const struct mapping *a = a_;
    const struct mapping *b = b_;
    int cmp = strcmp(a->vn, b->vn);

    return cmp ? cmp : strcmp(a->mac, b->mac);
}

/* Returns the remote mappings, only those of 'vn' if it is nonnull and only
 * those to 'remote' if it is nonnull, sorted by VN name and MAC, in an array
 * of '*n' elements that the caller must free. */
static struct mapping *
sort_mappings(struct ovsdb_idl *idl, const struct nverec_virtual_network *vn,
              const struct nverec_remote_nve *remote, size_t *n)
{
    const struct nverec_remote_mapping *row;
    struct mapping *mappings = NULL;
    size_t allocated = 0;

    *n = 0;
    NVEREC_REMOTE_MAPPING_FOR_EACH (row, idl) {
        if ((vn && row->vn != vn) || (remote && row->remote != remote)) {
            continue;
        }
        if (*n >= allocated) {
            mappings = x2nrealloc(mappings, &allocated, sizeof *mappings);
        }
        mappings[*n].vn = row->vn ? row->vn->name : "";
        mappings[*n].mac = row->mac;
        mappings[*n].row = row;
        (*n)++;
    }
    if (*n) {
        qsort(mappings, *n, sizeof *mappings, compare_mappings);
    }
    return mappings;
}

static void
show_remote(struct ds *output, int level, struct ovsdb_idl *idl,
            const struct nverec_remote_nve *remote)
{
    struct svec names = SVEC_EMPTY_INITIALIZER;

    show_header(output, level, "Remote_NVE", remote->name);
    show_column(output, level + 1, &remote->header_,
                &nverec_remote_nve_col_ip);
    show_column(output, level + 1, &remote->header_,
                &nverec_remote_nve_col_encap);
    vn_names(remote->vns, remote->n_vns, &names);
    show_names(output, level + 1, "vns", &names);
    svec_destroy(&names);

    size_t n;
    struct mapping *mappings = sort_mappings(idl, NULL, remote, &n);
    for (size_t i = 0; i < n; i++) {
        show_header(output, level + 1, "Remote_Mapping", mappings[i].mac);
        show_indent(output, level + 2);
        ds_put_cstr(output, "vn: ");
        show_put_string(output, mappings[i].vn);
        ds_put_char(output, '\n');
        show_column(output, level + 2, &mappings[i].row->header_,
                    &nverec_remote_mapping_col_ip);
    }
    free(mappings);
}

static int
compare_vsi_bindings(const void *a_, const void *b_)
{
    const struct vsi_row_binding *a = a_;
    const struct vsi_row_binding *b = b_;
    int cmp = strcmp(a->vn, b->vn);

    return cmp ? cmp : a->vid < b->vid ? -1 : a->vid > b->vid;
}

static void
show_vsi(struct ds *output, int level, const struct nverec_vsi *vsi)
{
    static const struct ovsdb_idl_column *columns[] = {
        &nverec_vsi_col_state,
        &nverec_vsi_col_protocol,
        &nverec_vsi_col_tes,
        &nverec_vsi_col_port,
        &nverec_vsi_col_migrating,
    };
    /* A binding's columns, in the VSI row for its first binding and in a
     * VSI_Binding row for the others (lib/vsi-row.h). */
    static const struct ovsdb_idl_column *inline_columns[] = {
        &nverec_vsi_col_vnid,
        &nverec_vsi_col_vid,
        &nverec_vsi_col_pcp,
        &nverec_vsi_col_profile,
        &nverec_vsi_col_macs,
        &nverec_vsi_col_ips,
    };
    static const struct ovsdb_idl_column *binding_columns[] = {
        &nverec_vsi_binding_col_vnid,
        &nverec_vsi_binding_col_vid,
        &nverec_vsi_binding_col_pcp,
        &nverec_vsi_binding_col_profile,
        &nverec_vsi_binding_col_macs,
        &nverec_vsi_binding_col_ips,
    };
    BUILD_ASSERT_DECL(ARRAY_SIZE(inline_columns)
                      == ARRAY_SIZE(binding_columns));

    show_header(output, level, "VSI", vsi->vsi_id);
    for (size_t i = 0; i < ARRAY_SIZE(columns); i++) {
        show_column(output, level + 1, &vsi->header_, columns[i]);
    }

    size_t n = vsi_row_n_bindings(vsi);
    struct vsi_row_binding *bindings = xcalloc(MAX(n, 1), sizeof *bindings);
    for (size_t i = 0; i < n; i++) {
        vsi_row_get_binding(vsi, i, &bindings[i]);
    }
    qsort(bindings, n, sizeof *bindings, compare_vsi_bindings);
    for (size_t i = 0; i < n; i++) {
        const struct vsi_row_binding *b = &bindings[i];

        show_header(output, level + 1, "Binding", b->vn);
        for (size_t j = 0; j < ARRAY_SIZE(binding_columns); j++) {
            show_column(output, level + 2,
                        b->row ? &b->row->header_ : &vsi->header_,
                        b->row ? binding_columns[j] : inline_columns[j]);
        }
    }
    free(bindings);
}

static void
cmd_show(struct ctl_context *ctx)
{
    const struct nverec_nve_global *global
        = nverec_nve_global_first(ctx->idl);
    struct ds *output = &ctx->output;
    const struct ovsdb_idl_row **rows;
    size_t n;
    int level = 0;

    if (global) {
        static const struct ovsdb_idl_column *columns[] = {
            &nverec_nve_global_col_underlay_ip,
            &nverec_nve_global_col_encap,
            &nverec_nve_global_col_bridge,
            &nverec_nve_global_col_keepalive_timeout,
            &nverec_nve_global_col_max_vsis,
            &nverec_nve_global_col_tns_remotes,
            &nverec_nve_global_col_tns_max_message_size,
            &nverec_nve_global_col_tns_max_connections,
            &nverec_nve_global_col_tns_max_inflight,
        };

        show_header(output, 0, "NVE", global->name);
        for (size_t i = 0; i < ARRAY_SIZE(columns); i++) {
            show_column(output, 1, &global->header_, columns[i]);
        }
        level = 1;
    }

    rows = sort_rows_by_name(ctx->idl, &nverec_table_virtual_network,
                             &nverec_virtual_network_col_name, &n);
    for (size_t i = 0; i < n; i++) {
        show_vn(output, level,
                CONTAINER_OF(rows[i], struct nverec_virtual_network,
                             header_));
    }
    free(rows);

    rows = sort_rows_by_name(ctx->idl, &nverec_table_policy_profile,
                             &nverec_policy_profile_col_name, &n);
    for (size_t i = 0; i < n; i++) {
        show_profile(output, level,
                     CONTAINER_OF(rows[i], struct nverec_policy_profile,
                                  header_));
    }
    free(rows);

    rows = sort_rows_by_name(ctx->idl, &nverec_table_tes,
                             &nverec_tes_col_name, &n);
    for (size_t i = 0; i < n; i++) {
        show_tes(output, level,
                 CONTAINER_OF(rows[i], struct nverec_tes, header_));
    }
    free(rows);

    /* Ports that no TES uses. */
    rows = sort_rows_by_name(ctx->idl, &nverec_table_tes_port,
                             &nverec_tes_port_col_name, &n);
    for (size_t i = 0; i < n; i++) {
        const struct nverec_tes_port *port
            = CONTAINER_OF(rows[i], struct nverec_tes_port, header_);

        if (!port_get_tes(ctx, port)) {
            show_port(output, level, port);
        }
    }
    free(rows);

    rows = sort_rows_by_name(ctx->idl, &nverec_table_remote_nve,
                             &nverec_remote_nve_col_name, &n);
    for (size_t i = 0; i < n; i++) {
        show_remote(output, level, ctx->idl,
                    CONTAINER_OF(rows[i], struct nverec_remote_nve,
                                 header_));
    }
    free(rows);

    rows = sort_rows_by_name(ctx->idl, &nverec_table_vsi,
                             &nverec_vsi_col_vsi_id, &n);
    for (size_t i = 0; i < n; i++) {
        show_vsi(output, level,
                 CONTAINER_OF(rows[i], struct nverec_vsi, header_));
    }
    free(rows);
}

/* NVE commands. */

static void
cmd_set_name(struct ctl_context *ctx)
{
    struct nve_ctl_context *nvectl_ctx = nve_ctl_context_cast(ctx);

    nverec_nve_global_set_name(nvectl_ctx->global, ctx->argv[1]);
}

static void
cmd_set_underlay(struct ctl_context *ctx)
{
    struct nve_ctl_context *nvectl_ctx = nve_ctl_context_cast(ctx);
    const struct nverec_remote_nve *remote;
    char *ip;

    char *error = parse_ip(ctx->argv[1], &ip);
    if (error) {
        ctx->error = error;
        return;
    }
    NVEREC_REMOTE_NVE_FOR_EACH (remote, ctx->idl) {
        if (ip_equals(remote->ip, ip)) {
            ctl_error(ctx, "%s is the address of remote %s",
                      ctx->argv[1], remote->name);
            free(ip);
            return;
        }
    }
    nverec_nve_global_set_underlay_ip(nvectl_ctx->global, ip);
    free(ip);
}

static void
cmd_set_encap(struct ctl_context *ctx)
{
    struct nve_ctl_context *nvectl_ctx = nve_ctl_context_cast(ctx);

    ctx->error = parse_encap(ctx->argv[1]);
    if (!ctx->error) {
        nverec_nve_global_set_encap(nvectl_ctx->global, ctx->argv[1]);
    }
}

static void
cmd_set_bridge(struct ctl_context *ctx)
{
    struct nve_ctl_context *nvectl_ctx = nve_ctl_context_cast(ctx);

    ctx->error = parse_name(ctx->argv[1], "bridge");
    if (!ctx->error) {
        nverec_nve_global_set_bridge(nvectl_ctx->global, ctx->argv[1]);
    }
}

static void
cmd_set_keepalive_timeout(struct ctl_context *ctx)
{
    struct nve_ctl_context *nvectl_ctx = nve_ctl_context_cast(ctx);
    int64_t msecs;

    ctx->error = parse_integer(ctx->argv[1], "keepalive timeout",
                               100, 86400000, &msecs);
    if (!ctx->error) {
        nverec_nve_global_set_keepalive_timeout(nvectl_ctx->global,
                                                &msecs, 1);
    }
}

/* Sets of VNs: the "vns" columns of TES, the VNs that a TES may join, and
 * of Remote_NVE, the VNs that a remote NVE serves.  Both are sets of weak
 * references to Virtual_Network rows, read and written here alike through
 * the generic IDL interface. */

/* Adds 'vn' to (if 'add') or removes it from the set of VNs in 'column' of
 * 'row'.  Returns false, and changes nothing, if 'vn' is already in the set
 * (to add) or is not in it (to remove).  Either way, the transaction
 * commits only if the set is still what it read. */
static bool
vn_set_change(const struct ovsdb_idl_row *row,
              const struct ovsdb_idl_column *column,
              const struct nverec_virtual_network *vn, bool add)
{
    const struct ovsdb_datum *old = ovsdb_idl_read(row, column);
    union ovsdb_atom atom = { .uuid = vn->header_.uuid };
    unsigned int pos;

    ovsdb_idl_txn_verify(row, column);
    if (ovsdb_datum_find_key(old, &atom, OVSDB_TYPE_UUID, &pos) == add) {
        return false;
    }

    struct ovsdb_datum new;
    ovsdb_datum_clone(&new, old);
    if (add) {
        ovsdb_datum_add_unsafe(&new, &atom, NULL, &column->type, NULL);
    } else {
        ovsdb_datum_remove_unsafe(&new, pos, &column->type);
    }
    ovsdb_datum_sort_assert(&new, &column->type);
    ovsdb_idl_txn_write(row, column, &new);
    return true;
}

/* Virtual network commands. */

/* Returns the virtual network, other than 'except', that uses 'vnid', if
 * any. */
static const struct nverec_virtual_network *
vn_find_by_vnid(struct ctl_context *ctx, int64_t vnid,
                const struct nverec_virtual_network *except)
{
    const struct nverec_virtual_network *vn;

    NVEREC_VIRTUAL_NETWORK_FOR_EACH (vn, ctx->idl) {
        if (vn->vnid == vnid && vn != except) {
            return vn;
        }
    }
    return NULL;
}

static void
cmd_add_vn(struct ctl_context *ctx)
{
    bool may_exist = shash_find(&ctx->options, "--may-exist") != NULL;
    const char *profile_name = shash_find_data(&ctx->options, "--profile");
    const char *pcp_s = shash_find_data(&ctx->options, "--pcp");
    const char *name = ctx->argv[1];
    const struct nverec_policy_profile *profile = NULL;
    int64_t vnid = 0;
    int64_t pcp = 0;

    ctx->error = parse_name(name, "vn");
    if (!ctx->error) {
        ctx->error = parse_vnid(ctx->argv[2], &vnid);
    }
    if (!ctx->error && pcp_s) {
        ctx->error = parse_pcp(pcp_s, &pcp);
    }
    if (ctx->error) {
        return;
    }
    if (profile_name) {
        profile = profile_lookup(ctx, profile_name, true);
        if (!profile) {
            return;
        }
    }

    const struct nverec_virtual_network *vn = vn_lookup(ctx, name, false);
    if (vn) {
        if (!may_exist) {
            ctl_error(ctx, "vn %s already exists", name);
        } else if (vn->vnid != vnid) {
            ctl_error(ctx, "vn %s already exists with vnid %"PRId64,
                      name, vn->vnid);
        } else if (profile_name && vn->profile != profile) {
            ctl_error(ctx, "vn %s already exists with another profile",
                      name);
        } else if (pcp_s && (vn->n_pcp != 1 || vn->pcp[0] != pcp)) {
            ctl_error(ctx, "vn %s already exists with another pcp", name);
        }
        return;
    }

    const struct nverec_virtual_network *other
        = vn_find_by_vnid(ctx, vnid, NULL);
    if (other) {
        ctl_error(ctx, "vnid %"PRId64" is already used by vn %s",
                  vnid, other->name);
        return;
    }

    vn = nverec_virtual_network_insert(ctx->txn);
    nverec_virtual_network_set_name(vn, name);
    nverec_virtual_network_set_vnid(vn, vnid);
    if (profile) {
        nverec_virtual_network_set_profile(vn, profile);
    }
    if (pcp_s) {
        nverec_virtual_network_set_pcp(vn, &pcp, 1);
    }
}

/* Removes 'vn' from every weak reference to it: the VNs of TESes and
 * remotes and the VID bindings of ports.  The database would drop these
 * references itself when 'vn' is deleted, but later commands in the same
 * transaction see only what the IDL knows. */
static void
vn_remove_references(struct ctl_context *ctx,
                     const struct nverec_virtual_network *vn)
{
    const struct nverec_remote_nve *remote;
    const struct nverec_tes_port *port;
    const struct nverec_tes *tes;

    NVEREC_TES_FOR_EACH (tes, ctx->idl) {
        vn_set_change(&tes->header_, &nverec_tes_col_vns, vn, false);
    }
    NVEREC_REMOTE_NVE_FOR_EACH (remote, ctx->idl) {
        vn_set_change(&remote->header_, &nverec_remote_nve_col_vns, vn,
                      false);
    }

    NVEREC_TES_PORT_FOR_EACH (port, ctx->idl) {
        size_t n = port->n_vid_bindings;
        int64_t *vids = xmalloc(n * sizeof *vids);
        struct nverec_virtual_network **vns = xmalloc(n * sizeof *vns);
        size_t n_kept = 0;

        for (size_t i = 0; i < n; i++) {
            if (port->value_vid_bindings[i] != vn) {
                vids[n_kept] = port->key_vid_bindings[i];
                vns[n_kept] = port->value_vid_bindings[i];
                n_kept++;
            }
        }
        if (n_kept != n) {
            nverec_tes_port_verify_vid_bindings(port);
            nverec_tes_port_set_vid_bindings(port, vids, vns, n_kept);
        }
        free(vids);
        free(vns);
    }
}

static void
cmd_del_vn(struct ctl_context *ctx)
{
    bool if_exists = shash_find(&ctx->options, "--if-exists") != NULL;
    const struct nverec_virtual_network *vn;

    vn = vn_lookup(ctx, ctx->argv[1], !if_exists);
    if (!vn) {
        return;
    }

    /* Remote mappings refer to their VN strongly: deleting it would delete
     * them too, so insist that they be deleted first. */
    size_t n;
    struct mapping *mappings = sort_mappings(ctx->idl, vn, NULL, &n);
    if (n) {
        ctl_error(ctx, "vn %s is in use by mapping %s",
                  vn->name, mappings[0].mac);
        free(mappings);
        return;
    }
    free(mappings);

    vn_remove_references(ctx, vn);
    nverec_virtual_network_delete(vn);
}

static void
cmd_list_vn(struct ctl_context *ctx)
{
    if (ctx->argc > 1) {
        const struct nverec_tes *tes = tes_lookup(ctx, ctx->argv[1], true);
        if (tes) {
            struct svec names = SVEC_EMPTY_INITIALIZER;

            vn_names(tes->vns, tes->n_vns, &names);
            print_svec(&ctx->output, &names);
            svec_destroy(&names);
        }
    } else {
        print_row_names(ctx, &nverec_table_virtual_network,
                        &nverec_virtual_network_col_name);
    }
}

static void
cmd_set_vn_profile(struct ctl_context *ctx)
{
    const struct nverec_virtual_network *vn;
    const struct nverec_policy_profile *profile = NULL;

    vn = vn_lookup(ctx, ctx->argv[1], true);
    if (!vn) {
        return;
    }
    if (ctx->argc > 2) {
        profile = profile_lookup(ctx, ctx->argv[2], true);
        if (!profile) {
            return;
        }
    }
    nverec_virtual_network_set_profile(vn, profile);
}

static void
cmd_set_vn_pcp(struct ctl_context *ctx)
{
    const struct nverec_virtual_network *vn;
    int64_t pcp = 0;

    if (ctx->argc > 2) {
        ctx->error = parse_pcp(ctx->argv[2], &pcp);
        if (ctx->error) {
            return;
        }
    }
    vn = vn_lookup(ctx, ctx->argv[1], true);
    if (vn) {
        nverec_virtual_network_set_pcp(vn, &pcp, ctx->argc > 2);
    }
}

/* TES commands. */

static void
cmd_add_tes(struct ctl_context *ctx)
{
    if (named_row_may_add(ctx, &nverec_table_tes, &nverec_tes_col_name,
                          "tes")) {
        nverec_tes_set_name(nverec_tes_insert(ctx->txn), ctx->argv[1]);
    }
}

static void
cmd_del_tes(struct ctl_context *ctx)
{
    bool if_exists = shash_find(&ctx->options, "--if-exists") != NULL;
    const struct nverec_tes *tes;

    tes = tes_lookup(ctx, ctx->argv[1], !if_exists);
    if (tes) {
        nverec_tes_delete(tes);
    }
}

static void
cmd_list_tes(struct ctl_context *ctx)
{
    print_row_names(ctx, &nverec_table_tes, &nverec_tes_col_name);
}

static void
cmd_tes_add_port(struct ctl_context *ctx)
{
    bool may_exist = shash_find(&ctx->options, "--may-exist") != NULL;
    const struct nverec_tes_port *port;
    const struct nverec_tes *tes;

    tes = tes_lookup(ctx, ctx->argv[1], true);
    if (!tes) {
        return;
    }
    port = port_lookup(ctx, ctx->argv[2], true);
    if (!port) {
        return;
    }

    const struct nverec_tes *owner = port_get_tes(ctx, port);
    if (owner == tes) {
        if (!may_exist) {
            ctl_error(ctx, "port %s is already attached to tes %s",
                      port->name, tes->name);
        }
        return;
    } else if (owner) {
        nverec_tes_verify_ports(owner);
        ctl_error(ctx, "port %s is already attached to tes %s",
                  port->name, owner->name);
        return;
    }

    struct nverec_tes_port **ports = xmalloc((tes->n_ports + 1)
                                             * sizeof *ports);
    nullable_memcpy(ports, tes->ports, tes->n_ports * sizeof *ports);
    ports[tes->n_ports] = CONST_CAST(struct nverec_tes_port *, port);
    nverec_tes_verify_ports(tes);
    nverec_tes_set_ports(tes, ports, tes->n_ports + 1);
    free(ports);
}

static void
cmd_tes_del_port(struct ctl_context *ctx)
{
    bool if_exists = shash_find(&ctx->options, "--if-exists") != NULL;
    const struct nverec_tes_port *port;
    const struct nverec_tes *tes;

    tes = tes_lookup(ctx, ctx->argv[1], true);
    if (!tes) {
        return;
    }
    port = port_lookup(ctx, ctx->argv[2], !if_exists);
    if (!port) {
        return;
    }

    for (size_t i = 0; i < tes->n_ports; i++) {
        if (tes->ports[i] == port) {
            struct nverec_tes_port **ports
                = xmemdup(tes->ports, tes->n_ports * sizeof *ports);
            ports[i] = ports[tes->n_ports - 1];
            nverec_tes_verify_ports(tes);
            nverec_tes_set_ports(tes, ports, tes->n_ports - 1);
            free(ports);
            return;
        }
    }
    if (!if_exists) {
        ctl_error(ctx, "port %s is not attached to tes %s",
                  port->name, tes->name);
    }
}

/* "tes-add-vn TES VN" and "remote-add-vn REMOTE VN" (if 'add'), or
 * "tes-del-vn TES VN" and "remote-del-vn REMOTE VN": the row of 'table'
 * whose 'name_column' is the first argument, 'kind' naming such rows, gains
 * or loses the VN in its 'vns_column'. */
static void
change_vns(struct ctl_context *ctx, const struct ovsdb_idl_table_class *table,
           const struct ovsdb_idl_column *name_column,
           const struct ovsdb_idl_column *vns_column, const char *kind,
           bool add)
{
    bool may_exist = shash_find(&ctx->options, "--may-exist") != NULL;
    bool if_exists = shash_find(&ctx->options, "--if-exists") != NULL;
    const char *name = ctx->argv[1];
    const struct nverec_virtual_network *vn;
    const struct ovsdb_idl_row *row;

    row = named_row_lookup(ctx, table, name_column, kind, name, true);
    if (!row) {
        return;
    }
    vn = vn_lookup(ctx, ctx->argv[2], add || !if_exists);
    if (!vn) {
        return;
    }

    if (!vn_set_change(row, vns_column, vn, add)) {
        if (add && !may_exist) {
            ctl_error(ctx, "%s %s already has vn %s", kind, name, vn->name);
        } else if (!add && !if_exists) {
            ctl_error(ctx, "%s %s has no vn %s", kind, name, vn->name);
        }
    }
}

static void
cmd_tes_add_vn(struct ctl_context *ctx)
{
    change_vns(ctx, &nverec_table_tes, &nverec_tes_col_name,
               &nverec_tes_col_vns, "tes", true);
}

static void
cmd_tes_del_vn(struct ctl_context *ctx)
{
    change_vns(ctx, &nverec_table_tes, &nverec_tes_col_name,
               &nverec_tes_col_vns, "tes", false);
}

/* Port commands. */

/* Parses the VID pool in 'min_s' and 'max_s' into '*minp' and '*maxp'. */
static char * OVS_WARN_UNUSED_RESULT
parse_vid_range(const char *min_s, const char *max_s,
                int64_t *minp, int64_t *maxp)
{
    char *error = parse_vid(min_s, minp);
    if (!error) {
        error = parse_vid(max_s, maxp);
    }
    if (!error && *minp > *maxp) {
        error = xasprintf("vid range %"PRId64"-%"PRId64" is inverted",
                          *minp, *maxp);
    }
    return error;
}

/* Parses the optional VID_MIN VID_MAX arguments of the command in 'ctx'
 * ("add-port" or "set-port-vids") into '*minp' and '*maxp'.  Returns false,
 * with an error in 'ctx', if they are not both given or not valid. */
static bool
parse_vid_pool_args(struct ctl_context *ctx, int64_t *minp, int64_t *maxp)
{
    if (ctx->argc == 3) {
        ctl_error(ctx, "%s: VID_MIN and VID_MAX must be given together",
                  ctx->argv[0]);
        return false;
    } else if (ctx->argc == 4) {
        ctx->error = parse_vid_range(ctx->argv[2], ctx->argv[3], minp, maxp);
    }
    return !ctx->error;
}

/* Returns true if 'vid' may be bound on 'port': it is within the port's VID
 * pool, or the port has none. */
static bool
port_vid_in_pool(const struct nverec_tes_port *port, int64_t vid)
{
    return ((!port->n_vid_min || vid >= port->vid_min[0])
            && (!port->n_vid_max || vid <= port->vid_max[0]));
}

static void
format_vid_pool(struct ds *s, const struct nverec_tes_port *port)
{
    if (port->n_vid_min || port->n_vid_max) {
        ds_put_format(s, "%"PRId64"-%"PRId64,
                      port->n_vid_min ? port->vid_min[0] : 1,
                      port->n_vid_max ? port->vid_max[0] : 4094);
    } else {
        ds_put_cstr(s, "1-4094");
    }
}

static void
cmd_add_port(struct ctl_context *ctx)
{
    bool may_exist = shash_find(&ctx->options, "--may-exist") != NULL;
    const char *name = ctx->argv[1];
    int64_t vid_min, vid_max;

    ctx->error = parse_name(name, "port");
    if (ctx->error || !parse_vid_pool_args(ctx, &vid_min, &vid_max)) {
        return;
    }

    const struct nverec_tes_port *port = port_lookup(ctx, name, false);
    if (port) {
        if (!may_exist) {
            ctl_error(ctx, "port %s already exists", name);
        } else if (ctx->argc == 4
                   ? (port->n_vid_min != 1 || port->vid_min[0] != vid_min
                      || port->n_vid_max != 1 || port->vid_max[0] != vid_max)
                   : port->n_vid_min || port->n_vid_max) {
            struct ds pool = DS_EMPTY_INITIALIZER;

            format_vid_pool(&pool, port);
            ctl_error(ctx, "port %s already exists with vid range %s",
                      name, ds_cstr(&pool));
            ds_destroy(&pool);
        }
        return;
    }

    port = nverec_tes_port_insert(ctx->txn);
    nverec_tes_port_set_name(port, name);
    if (ctx->argc == 4) {
        nverec_tes_port_set_vid_min(port, &vid_min, 1);
        nverec_tes_port_set_vid_max(port, &vid_max, 1);
    }
}

static void
cmd_del_port(struct ctl_context *ctx)
{
    bool if_exists = shash_find(&ctx->options, "--if-exists") != NULL;
    const struct nverec_tes_port *port;

    port = port_lookup(ctx, ctx->argv[1], !if_exists);
    if (!port) {
        return;
    }

    /* Detach the port from its TES, for the benefit of later commands in the
     * same transaction (the database drops the weak reference anyway). */
    const struct nverec_tes *tes = port_get_tes(ctx, port);
    if (tes) {
        struct nverec_tes_port **ports = xmalloc(tes->n_ports
                                                 * sizeof *ports);
        size_t n = 0;

        for (size_t i = 0; i < tes->n_ports; i++) {
            if (tes->ports[i] != port) {
                ports[n++] = tes->ports[i];
            }
        }
        nverec_tes_verify_ports(tes);
        nverec_tes_set_ports(tes, ports, n);
        free(ports);
    }
    nverec_tes_port_delete(port);
}

static void
cmd_list_ports(struct ctl_context *ctx)
{
    if (ctx->argc > 1) {
        const struct nverec_tes *tes = tes_lookup(ctx, ctx->argv[1], true);
        if (tes) {
            struct svec names = SVEC_EMPTY_INITIALIZER;

            for (size_t i = 0; i < tes->n_ports; i++) {
                svec_add(&names, tes->ports[i]->name);
            }
            svec_sort(&names);
            print_svec(&ctx->output, &names);
            svec_destroy(&names);
        }
    } else {
        print_row_names(ctx, &nverec_table_tes_port,
                        &nverec_tes_port_col_name);
    }
}

static void
cmd_set_port_vids(struct ctl_context *ctx)
{
    const struct nverec_tes_port *port;
    int64_t vid_min = 0;
    int64_t vid_max = 0;

    if (!parse_vid_pool_args(ctx, &vid_min, &vid_max)) {
        return;
    }
    port = port_lookup(ctx, ctx->argv[1], true);
    if (!port) {
        return;
    }

    if (ctx->argc == 4) {
        struct vid_binding *bindings = sort_vid_bindings(port);

        nverec_tes_port_verify_vid_bindings(port);
        for (size_t i = 0; i < port->n_vid_bindings; i++) {
            int64_t vid = bindings[i].vid;

            if (vid < vid_min || vid > vid_max) {
                ctl_error(ctx, "vid %"PRId64" of port %s, bound to vn %s, "
                          "is outside %"PRId64"-%"PRId64, vid, port->name,
                          bindings[i].vn->name, vid_min, vid_max);
                free(bindings);
                return;
            }
        }
        free(bindings);
    }
    nverec_tes_port_set_vid_min(port, &vid_min, ctx->argc == 4);
    nverec_tes_port_set_vid_max(port, &vid_max, ctx->argc == 4);
}

/* Parses the VID argument of "bind-vid" or "unbind-vid" into '*vidp' and
 * returns the port that the PORT argument names.  Returns NULL, with an
 * error in 'ctx', if either is invalid. */
static const struct nverec_tes_port *
parse_port_vid(struct ctl_context *ctx, int64_t *vidp)
{
    ctx->error = parse_vid(ctx->argv[2], vidp);
    return ctx->error ? NULL : port_lookup(ctx, ctx->argv[1], true);
}

static void
cmd_bind_vid(struct ctl_context *ctx)
{
    bool may_exist = shash_find(&ctx->options, "--may-exist") != NULL;
    const struct nverec_virtual_network *vn;
    const struct nverec_tes_port *port;
    int64_t vid = 0;

    port = parse_port_vid(ctx, &vid);
    if (!port) {
        return;
    }
    vn = vn_lookup(ctx, ctx->argv[3], true);
    if (!vn) {
        return;
    }

    nverec_tes_port_verify_vid_min(port);
    nverec_tes_port_verify_vid_max(port);
    if (!port_vid_in_pool(port, vid)) {
        struct ds pool = DS_EMPTY_INITIALIZER;

        format_vid_pool(&pool, port);
        ctl_error(ctx, "vid %"PRId64" is outside the vid range %s of "
                  "port %s", vid, ds_cstr(&pool), port->name);
        ds_destroy(&pool);
        return;
    }

    nverec_tes_port_verify_vid_bindings(port);
    for (size_t i = 0; i < port->n_vid_bindings; i++) {
        const struct nverec_virtual_network *bound
            = port->value_vid_bindings[i];
        int64_t bound_vid = port->key_vid_bindings[i];

        if (bound_vid == vid && bound == vn) {
            if (!may_exist) {
                ctl_error(ctx, "vid %"PRId64" of port %s is already bound "
                          "to vn %s", vid, port->name, vn->name);
            }
            return;
        } else if (bound_vid == vid) {
            ctl_error(ctx, "vid %"PRId64" of port %s is already bound to "
                      "vn %s", vid, port->name, bound->name);
            return;
        } else if (bound == vn) {
            ctl_error(ctx, "vn %s is already bound to vid %"PRId64" of "
                      "port %s", vn->name, bound_vid, port->name);
            return;
        }
    }

    size_t n = port->n_vid_bindings;
    int64_t *vids = xmalloc((n + 1) * sizeof *vids);
    struct nverec_virtual_network **vns = xmalloc((n + 1) * sizeof *vns);
    nullable_memcpy(vids, port->key_vid_bindings, n * sizeof *vids);
    nullable_memcpy(vns, port->value_vid_bindings, n * sizeof *vns);
    vids[n] = vid;
    vns[n] = CONST_CAST(struct nverec_virtual_network *, vn);
    nverec_tes_port_set_vid_bindings(port, vids, vns, n + 1);
    free(vids);
    free(vns);
}

static void
cmd_unbind_vid(struct ctl_context *ctx)
{
    bool if_exists = shash_find(&ctx->options, "--if-exists") != NULL;
    const struct nverec_tes_port *port;
    int64_t vid = 0;

    port = parse_port_vid(ctx, &vid);
    if (!port) {
        return;
    }

    nverec_tes_port_verify_vid_bindings(port);
    for (size_t i = 0; i < port->n_vid_bindings; i++) {
        if (port->key_vid_bindings[i] == vid) {
            size_t n = port->n_vid_bindings;
            int64_t *vids = xmemdup(port->key_vid_bindings,
                                    n * sizeof *vids);
            struct nverec_virtual_network **vns
                = xmemdup(port->value_vid_bindings, n * sizeof *vns);

            vids[i] = vids[n - 1];
            vns[i] = vns[n - 1];
            nverec_tes_port_set_vid_bindings(port, vids, vns, n - 1);
            free(vids);
            free(vns);
            return;
        }
    }
    if (!if_exists) {
        ctl_error(ctx, "vid %"PRId64" of port %s is not bound",
                  vid, port->name);
    }
}

static void
cmd_list_bindings(struct ctl_context *ctx)
{
    const struct nverec_tes_port *port;

    port = port_lookup(ctx, ctx->argv[1], true);
    if (!port) {
        return;
    }

    struct vid_binding *bindings = sort_vid_bindings(port);
    for (size_t i = 0; i < port->n_vid_bindings; i++) {
        ds_put_format(&ctx->output, "%"PRId64" %s\n",
                      bindings[i].vid, bindings[i].vn->name);
    }
    free(bindings);
}

/* Policy profile commands. */

static void
cmd_add_profile(struct ctl_context *ctx)
{
    if (named_row_may_add(ctx, &nverec_table_policy_profile,
                          &nverec_policy_profile_col_name, "profile")) {
        nverec_policy_profile_set_name(
            nverec_policy_profile_insert(ctx->txn), ctx->argv[1]);
    }
}

static void
cmd_del_profile(struct ctl_context *ctx)
{
    bool if_exists = shash_find(&ctx->options, "--if-exists") != NULL;
    const struct nverec_policy_profile *profile;

    profile = profile_lookup(ctx, ctx->argv[1], !if_exists);
    if (!profile) {
        return;
    }

    /* Name the VN that comes first, so that the error does not depend on
     * the order of the rows. */
    size_t n;
    const struct ovsdb_idl_row **rows = sort_rows_by_name(
        ctx->idl, &nverec_table_virtual_network,
        &nverec_virtual_network_col_name, &n);
    for (size_t i = 0; i < n; i++) {
        const struct nverec_virtual_network *vn
            = CONTAINER_OF(rows[i], struct nverec_virtual_network, header_);

        if (vn->profile == profile) {
            ctl_error(ctx, "profile %s is in use by vn %s",
                      profile->name, vn->name);
            break;
        }
    }
    free(rows);
    if (ctx->error) {
        return;
    }

    for (size_t j = 0; j < profile->n_acls; j++) {
        nverec_acl_delete(profile->acls[j]);
    }
    nverec_policy_profile_delete(profile);
}

static void
cmd_list_profiles(struct ctl_context *ctx)
{
    print_row_names(ctx, &nverec_table_policy_profile,
                    &nverec_policy_profile_col_name);
}

static char * OVS_WARN_UNUSED_RESULT
parse_acl_direction(const char *s)
{
    if (strcmp(s, "from-vsi") && strcmp(s, "to-vsi")) {
        return xasprintf("%s: direction must be from-vsi or to-vsi", s);
    }
    return NULL;
}

static char * OVS_WARN_UNUSED_RESULT
parse_acl_priority(const char *s, int64_t *priorityp)
{
    return parse_integer(s, "priority", 0, 32767, priorityp);
}

/* Returns the ACL of 'profile' with the given 'direction', 'priority' and
 * 'match', if any. */
static const struct nverec_acl *
acl_find(const struct nverec_policy_profile *profile, const char *direction,
         int64_t priority, const char *match)
{
    for (size_t i = 0; i < profile->n_acls; i++) {
        const struct nverec_acl *acl = profile->acls[i];

        if (!strcmp(acl->direction, direction) && acl->priority == priority
            && !strcmp(acl->match, match)) {
            return acl;
        }
    }
    return NULL;
}

static void
cmd_add_acl(struct ctl_context *ctx)
{
    bool may_exist = shash_find(&ctx->options, "--may-exist") != NULL;
    const char *direction = ctx->argv[2];
    const char *match = ctx->argv[4];
    const char *action = ctx->argv[5];
    const struct nverec_policy_profile *profile;
    int64_t priority;

    ctx->error = parse_acl_direction(direction);
    if (!ctx->error) {
        ctx->error = parse_acl_priority(ctx->argv[3], &priority);
    }
    if (!ctx->error) {
        struct match m;
        ctx->error = acl_match_parse(match, &m);
    }
    if (!ctx->error && strcmp(action, "allow") && strcmp(action, "drop")) {
        ctl_error(ctx, "%s: action must be allow or drop", action);
    }
    if (ctx->error) {
        return;
    }
    profile = profile_lookup(ctx, ctx->argv[1], true);
    if (!profile) {
        return;
    }

    nverec_policy_profile_verify_acls(profile);
    const struct nverec_acl *acl = acl_find(profile, direction, priority,
                                            match);
    if (acl) {
        if (!may_exist) {
            ctl_error(ctx, "profile %s already has a %s acl with priority "
                      "%"PRId64" and match \"%s\"", profile->name,
                      direction, priority, match);
        } else if (strcmp(acl->action, action)) {
            ctl_error(ctx, "profile %s already has a %s acl with priority "
                      "%"PRId64" and match \"%s\", with action %s",
                      profile->name, direction, priority, match,
                      acl->action);
        }
        return;
    }

    acl = nverec_acl_insert(ctx->txn);
    nverec_acl_set_direction(acl, direction);
    nverec_acl_set_priority(acl, priority);
    nverec_acl_set_match(acl, match);
    nverec_acl_set_action(acl, action);

    struct nverec_acl **acls = xmalloc((profile->n_acls + 1) * sizeof *acls);
    nullable_memcpy(acls, profile->acls, profile->n_acls * sizeof *acls);
    acls[profile->n_acls] = CONST_CAST(struct nverec_acl *, acl);
    nverec_policy_profile_set_acls(profile, acls, profile->n_acls + 1);
    free(acls);
}

static void
cmd_del_acl(struct ctl_context *ctx)
{
    bool if_exists = shash_find(&ctx->options, "--if-exists") != NULL;
    const struct nverec_policy_profile *profile;
    const char *direction = ctx->argc > 2 ? ctx->argv[2] : NULL;
    int64_t priority = 0;

    if (direction) {
        ctx->error = parse_acl_direction(direction);
        if (ctx->error) {
            return;
        }
    }
    if (ctx->argc == 4) {
        ctl_error(ctx, "del-acl: PRIORITY and MATCH must be given together");
        return;
    } else if (ctx->argc == 5) {
        ctx->error = parse_acl_priority(ctx->argv[3], &priority);
        if (ctx->error) {
            return;
        }
    }
    profile = profile_lookup(ctx, ctx->argv[1], true);
    if (!profile) {
        return;
    }

    nverec_policy_profile_verify_acls(profile);
    if (ctx->argc == 5) {
        const char *match = ctx->argv[4];
        const struct nverec_acl *acl = acl_find(profile, direction,
                                                priority, match);
        if (!acl) {
            if (!if_exists) {
                ctl_error(ctx, "profile %s has no %s acl with priority "
                          "%"PRId64" and match \"%s\"", profile->name,
                          direction, priority, match);
            }
            return;
        }
    }

    /* Keep the ACLs that do not match the arguments, delete the others. */
    struct nverec_acl **acls = xmalloc(profile->n_acls * sizeof *acls);
    size_t n = 0;
    for (size_t i = 0; i < profile->n_acls; i++) {
        struct nverec_acl *acl = profile->acls[i];

        if ((direction && strcmp(acl->direction, direction))
            || (ctx->argc == 5 && (acl->priority != priority
                                   || strcmp(acl->match, ctx->argv[4])))) {
            acls[n++] = acl;
        } else {
            nverec_acl_delete(acl);
        }
    }
    nverec_policy_profile_set_acls(profile, acls, n);
    free(acls);
}

static void
cmd_list_acl(struct ctl_context *ctx)
{
    const struct nverec_policy_profile *profile;

    profile = profile_lookup(ctx, ctx->argv[1], true);
    if (!profile) {
        return;
    }

    const struct nverec_acl **acls = sort_acls(profile);
    for (size_t i = 0; i < profile->n_acls; i++) {
        format_acl(&ctx->output, acls[i]);
        ds_put_char(&ctx->output, '\n');
    }
    free(acls);
}

/* Remote NVE commands. */

static void
cmd_add_remote(struct ctl_context *ctx)
{
    bool may_exist = shash_find(&ctx->options, "--may-exist") != NULL;
    struct nve_ctl_context *nvectl_ctx = nve_ctl_context_cast(ctx);
    const char *name = ctx->argv[1];
    const char *encap = ctx->argc > 3 ? ctx->argv[3] : NULL;
    char *ip;

    ctx->error = parse_name(name, "remote");
    if (!ctx->error && encap) {
        ctx->error = parse_encap(encap);
    }
    if (ctx->error) {
        return;
    }
    ctx->error = parse_ip(ctx->argv[2], &ip);
    if (ctx->error) {
        return;
    }

    const struct nverec_remote_nve *remote = remote_lookup(ctx, name, false);
    if (remote) {
        if (!may_exist) {
            ctl_error(ctx, "remote %s already exists", name);
        } else if (!ip_equals(remote->ip, ip)) {
            ctl_error(ctx, "remote %s already exists with ip %s",
                      name, remote->ip);
        } else if (encap && (!remote->encap || strcmp(remote->encap, encap))) {
            ctl_error(ctx, "remote %s already exists with encap %s", name,
                      remote->encap ? remote->encap : "(default)");
        }
        free(ip);
        return;
    }

    const struct nverec_nve_global *global = nvectl_ctx->global;
    if (global->underlay_ip && ip_equals(global->underlay_ip, ip)) {
        nverec_nve_global_verify_underlay_ip(global);
        ctl_error(ctx, "%s is this nve's own underlay address",
                  ctx->argv[2]);
        free(ip);
        return;
    }
    const struct nverec_remote_nve *other;
    NVEREC_REMOTE_NVE_FOR_EACH (other, ctx->idl) {
        if (ip_equals(other->ip, ip)) {
            ctl_error(ctx, "ip %s is already used by remote %s",
                      ctx->argv[2], other->name);
            free(ip);
            return;
        }
    }

    remote = nverec_remote_nve_insert(ctx->txn);
    nverec_remote_nve_set_name(remote, name);
    nverec_remote_nve_set_ip(remote, ip);
    if (encap) {
        nverec_remote_nve_set_encap(remote, encap);
    }
    free(ip);
}

static void
cmd_del_remote(struct ctl_context *ctx)
{
    bool if_exists = shash_find(&ctx->options, "--if-exists") != NULL;
    const struct nverec_remote_nve *remote;

    remote = remote_lookup(ctx, ctx->argv[1], !if_exists);
    if (!remote) {
        return;
    }

    const struct nverec_remote_mapping *mapping;
    NVEREC_REMOTE_MAPPING_FOR_EACH_SAFE (mapping, ctx->idl) {
        if (mapping->remote == remote) {
            nverec_remote_mapping_delete(mapping);
        }
    }
    nverec_remote_nve_delete(remote);
}

static void
cmd_list_remotes(struct ctl_context *ctx)
{
    print_row_names(ctx, &nverec_table_remote_nve,
                    &nverec_remote_nve_col_name);
}

static void
cmd_remote_add_vn(struct ctl_context *ctx)
{
    change_vns(ctx, &nverec_table_remote_nve, &nverec_remote_nve_col_name,
               &nverec_remote_nve_col_vns, "remote", true);
}

static void
cmd_remote_del_vn(struct ctl_context *ctx)
{
    change_vns(ctx, &nverec_table_remote_nve, &nverec_remote_nve_col_name,
               &nverec_remote_nve_col_vns, "remote", false);
}

/* Remote mapping commands. */

/* Returns the mapping of 'mac' in 'vn', if any. */
static const struct nverec_remote_mapping *
mapping_find(struct ctl_context *ctx, const struct nverec_virtual_network *vn,
             const char *mac)
{
    const struct nverec_remote_mapping *mapping;

    NVEREC_REMOTE_MAPPING_FOR_EACH (mapping, ctx->idl) {
        if (mapping->vn == vn && mac_equals(mapping->mac, mac)) {
            return mapping;
        }
    }
    return NULL;
}

static void
cmd_add_mapping(struct ctl_context *ctx)
{
    bool may_exist = shash_find(&ctx->options, "--may-exist") != NULL;
    const struct nverec_virtual_network *vn;
    const struct nverec_remote_nve *remote;
    char *mac = NULL;
    char *ip = NULL;

    ctx->error = parse_unicast_mac(ctx->argv[2], &mac);
    if (!ctx->error && ctx->argc > 4) {
        ctx->error = parse_ip(ctx->argv[4], &ip);
    }
    if (ctx->error) {
        goto out;
    }
    vn = vn_lookup(ctx, ctx->argv[1], true);
    if (!vn) {
        goto out;
    }
    remote = remote_lookup(ctx, ctx->argv[3], true);
    if (!remote) {
        goto out;
    }

    const struct nverec_remote_mapping *mapping = mapping_find(ctx, vn, mac);
    const char *mark = mapping ? smap_get(&mapping->external_ids, "nva")
                               : NULL;
    if (mark && !strcmp(mark, "learned")) {
        /* nve-controller learned it from the NVA: the operator's row takes
         * its place, and nve-controller learns it no more. */
        nverec_remote_mapping_delete(mapping);
        mapping = NULL;
    }
    if (mapping) {
        if (!may_exist) {
            ctl_error(ctx, "vn %s already has a mapping for %s",
                      vn->name, mac);
        } else if (mapping->remote != remote) {
            ctl_error(ctx, "vn %s already maps %s to remote %s",
                      vn->name, mac, mapping->remote->name);
        } else if (ip ? !mapping->ip || !ip_equals(mapping->ip, ip)
                   : mapping->ip != NULL) {
            ctl_error(ctx, "vn %s already maps %s to ip %s", vn->name, mac,
                      mapping->ip ? mapping->ip : "(none)");
        }
        goto out;
    }

    mapping = nverec_remote_mapping_insert(ctx->txn);
    nverec_remote_mapping_set_vn(mapping, vn);
    nverec_remote_mapping_set_mac(mapping, mac);
    nverec_remote_mapping_set_remote(mapping, remote);
    if (ip) {
        nverec_remote_mapping_set_ip(mapping, ip);
    }

out:
    free(mac);
    free(ip);
}

static void
cmd_del_mapping(struct ctl_context *ctx)
{
    bool if_exists = shash_find(&ctx->options, "--if-exists") != NULL;
    const struct nverec_virtual_network *vn;
    struct eth_addr ea;

    if (!eth_addr_from_string(ctx->argv[2], &ea)) {
        ctl_error(ctx, "%s: invalid MAC address", ctx->argv[2]);
        return;
    }
    vn = vn_lookup(ctx, ctx->argv[1], true);
    if (!vn) {
        return;
    }

    const struct nverec_remote_mapping *mapping
        = mapping_find(ctx, vn, ctx->argv[2]);
    if (mapping) {
        nverec_remote_mapping_delete(mapping);
    } else if (!if_exists) {
        ctl_error(ctx, "vn %s has no mapping for %s",
                  vn->name, ctx->argv[2]);
    }
}

static void
cmd_list_mappings(struct ctl_context *ctx)
{
    const struct nverec_virtual_network *vn = NULL;

    if (ctx->argc > 1) {
        vn = vn_lookup(ctx, ctx->argv[1], true);
        if (!vn) {
            return;
        }
    }

    size_t n;
    struct mapping *mappings = sort_mappings(ctx->idl, vn, NULL, &n);
    for (size_t i = 0; i < n; i++) {
        const struct nverec_remote_mapping *row = mappings[i].row;

        ds_put_format(&ctx->output, "%s %s %s", mappings[i].vn,
                      mappings[i].mac, row->remote->name);
        if (row->ip) {
            ds_put_format(&ctx->output, " %s", row->ip);
        }
        ds_put_char(&ctx->output, '\n');
    }
    free(mappings);
}

/* VSI commands. */

static void
cmd_list_vsi(struct ctl_context *ctx)
{
    size_t n;
    const struct ovsdb_idl_row **rows = sort_rows_by_name(
        ctx->idl, &nverec_table_vsi, &nverec_vsi_col_vsi_id, &n);
    for (size_t i = 0; i < n; i++) {
        const struct nverec_vsi *vsi
            = CONTAINER_OF(rows[i], struct nverec_vsi, header_);

        ds_put_format(&ctx->output, "%s %s %s %s\n", vsi->vsi_id,
                      vsi->state, vsi->tes, vsi->port);
    }
    free(rows);
}

/* SSL commands. */

static void
cmd_get_ssl(struct ctl_context *ctx)
{
    struct nve_ctl_context *nvectl_ctx = nve_ctl_context_cast(ctx);
    const struct nverec_ssl *ssl;

    if (!nvectl_ctx->global) {
        return;
    }
    nverec_nve_global_verify_ssl(nvectl_ctx->global);
    ssl = nvectl_ctx->global->ssl;
    if (ssl) {
        ds_put_format(&ctx->output, "Private key: %s\n", ssl->private_key);
        ds_put_format(&ctx->output, "Certificate: %s\n", ssl->certificate);
        ds_put_format(&ctx->output, "CA Certificate: %s\n", ssl->ca_cert);
        ds_put_format(&ctx->output, "Bootstrap: %s\n",
                      ssl->bootstrap_ca_cert ? "true" : "false");
        if (ssl->ssl_protocols[0]) {
            ds_put_format(&ctx->output, "Protocols: %s\n",
                          ssl->ssl_protocols);
        }
        if (ssl->ssl_ciphers[0]) {
            ds_put_format(&ctx->output, "Ciphers: %s\n", ssl->ssl_ciphers);
        }
    }
}

static void
cmd_del_ssl(struct ctl_context *ctx)
{
    struct nve_ctl_context *nvectl_ctx = nve_ctl_context_cast(ctx);
    const struct nverec_ssl *ssl = nvectl_ctx->global->ssl;

    nverec_nve_global_verify_ssl(nvectl_ctx->global);
    if (ssl) {
        nverec_ssl_delete(ssl);
        nverec_nve_global_set_ssl(nvectl_ctx->global, NULL);
    }
}

static void
cmd_set_ssl(struct ctl_context *ctx)
{
    struct nve_ctl_context *nvectl_ctx = nve_ctl_context_cast(ctx);
    bool bootstrap = shash_find(&ctx->options, "--bootstrap") != NULL;
    const struct nverec_ssl *ssl = nvectl_ctx->global->ssl;

    nverec_nve_global_verify_ssl(nvectl_ctx->global);
    if (ssl) {
        nverec_ssl_delete(ssl);
    }
    ssl = nverec_ssl_insert(ctx->txn);

    nverec_ssl_set_private_key(ssl, ctx->argv[1]);
    nverec_ssl_set_certificate(ssl, ctx->argv[2]);
    nverec_ssl_set_ca_cert(ssl, ctx->argv[3]);
    nverec_ssl_set_bootstrap_ca_cert(ssl, bootstrap);
    if (ctx->argc > 4) {
        nverec_ssl_set_ssl_protocols(ssl, ctx->argv[4]);
    }
    if (ctx->argc > 5) {
        nverec_ssl_set_ssl_ciphers(ssl, ctx->argv[5]);
    }

    nverec_nve_global_set_ssl(nvectl_ctx->global, ssl);
}

/* TNS remote commands. */

static void
set_tns_remotes(const struct nverec_nve_global *global,
                const struct sset *remotes)
{
    const char **array = sset_array(remotes);

    nverec_nve_global_set_tns_remotes(global, array, sset_count(remotes));
    free(array);
}

/* Validates the targets in 'ctx->argv[1...]' and adds them to 'targets'. */
static bool
parse_tns_remotes(struct ctl_context *ctx, struct sset *targets)
{
    for (int i = 1; i < ctx->argc; i++) {
        ctx->error = validate_tns_remote(ctx->argv[i]);
        if (ctx->error) {
            return false;
        }
        sset_add(targets, ctx->argv[i]);
    }
    return true;
}

static void
cmd_get_tns_remote(struct ctl_context *ctx)
{
    struct nve_ctl_context *nvectl_ctx = nve_ctl_context_cast(ctx);
    const struct nverec_nve_global *global = nvectl_ctx->global;
    struct svec targets = SVEC_EMPTY_INITIALIZER;

    if (!global) {
        return;
    }
    nverec_nve_global_verify_tns_remotes(global);
    for (size_t i = 0; i < global->n_tns_remotes; i++) {
        svec_add(&targets, global->tns_remotes[i]);
    }
    svec_sort(&targets);
    print_svec(&ctx->output, &targets);
    svec_destroy(&targets);
}

static void
cmd_set_tns_remote(struct ctl_context *ctx)
{
    struct nve_ctl_context *nvectl_ctx = nve_ctl_context_cast(ctx);
    struct sset targets = SSET_INITIALIZER(&targets);

    if (parse_tns_remotes(ctx, &targets)) {
        set_tns_remotes(nvectl_ctx->global, &targets);
    }
    sset_destroy(&targets);
}

static void
cmd_add_tns_remote(struct ctl_context *ctx)
{
    struct nve_ctl_context *nvectl_ctx = nve_ctl_context_cast(ctx);
    bool may_exist = shash_find(&ctx->options, "--may-exist") != NULL;
    const struct nverec_nve_global *global = nvectl_ctx->global;
    struct sset targets = SSET_INITIALIZER(&targets);

    nverec_nve_global_verify_tns_remotes(global);
    for (size_t i = 0; i < global->n_tns_remotes; i++) {
        sset_add(&targets, global->tns_remotes[i]);
    }
    for (int i = 1; i < ctx->argc; i++) {
        const char *target = ctx->argv[i];

        ctx->error = validate_tns_remote(target);
        if (ctx->error) {
            goto out;
        }
        if (!sset_add(&targets, target) && !may_exist) {
            ctl_error(ctx, "tns remote %s already exists", target);
            goto out;
        }
    }
    set_tns_remotes(global, &targets);

out:
    sset_destroy(&targets);
}

static void
cmd_del_tns_remote(struct ctl_context *ctx)
{
    struct nve_ctl_context *nvectl_ctx = nve_ctl_context_cast(ctx);
    bool if_exists = shash_find(&ctx->options, "--if-exists") != NULL;
    const struct nverec_nve_global *global = nvectl_ctx->global;
    struct sset targets = SSET_INITIALIZER(&targets);

    nverec_nve_global_verify_tns_remotes(global);
    if (ctx->argc > 1) {
        for (size_t i = 0; i < global->n_tns_remotes; i++) {
            sset_add(&targets, global->tns_remotes[i]);
        }
        for (int i = 1; i < ctx->argc; i++) {
            if (!sset_find_and_delete(&targets, ctx->argv[i])
                && !if_exists) {
                ctl_error(ctx, "no tns remote %s", ctx->argv[i]);
                goto out;
            }
        }
    }
    set_tns_remotes(global, &targets);

out:
    sset_destroy(&targets);
}

/* The ways the generic database commands may name rows besides by UUID. */
static const struct ctl_table_class tables[NVEREC_N_TABLES] = {
    [NVEREC_TABLE_NVE_GLOBAL].row_ids[0]
    = {&nverec_nve_global_col_name, NULL, NULL},

    [NVEREC_TABLE_VIRTUAL_NETWORK].row_ids
    = {{&nverec_virtual_network_col_name, NULL, NULL},
       {&nverec_virtual_network_col_vnid, NULL, NULL}},

    [NVEREC_TABLE_TES].row_ids[0]
    = {&nverec_tes_col_name, NULL, NULL},

    [NVEREC_TABLE_TES_PORT].row_ids[0]
    = {&nverec_tes_port_col_name, NULL, NULL},

    [NVEREC_TABLE_POLICY_PROFILE].row_ids[0]
    = {&nverec_policy_profile_col_name, NULL, NULL},

    [NVEREC_TABLE_REMOTE_NVE].row_ids
    = {{&nverec_remote_nve_col_name, NULL, NULL},
       {&nverec_remote_nve_col_ip, NULL, NULL}},

    [NVEREC_TABLE_VSI].row_ids[0]
    = {&nverec_vsi_col_vsi_id, NULL, NULL},
};

static void
nve_ctl_context_init_command(struct nve_ctl_context *nvectl_ctx,
                             struct ctl_command *command, bool last_command)
{
    ctl_context_init_command(&nvectl_ctx->base, command, last_command);
}

static void
nve_ctl_context_init(struct nve_ctl_context *nvectl_ctx,
                     struct ctl_command *command, struct ovsdb_idl *idl,
                     struct ovsdb_idl_txn *txn,
                     const struct nverec_nve_global *global,
                     struct ovsdb_symbol_table *symtab)
{
    ctl_context_init(&nvectl_ctx->base, command, idl, txn, symtab, NULL);
    nvectl_ctx->global = global;
}

static void
nve_ctl_context_done_command(struct nve_ctl_context *nvectl_ctx,
                             struct ctl_command *command)
{
    ctl_context_done_command(&nvectl_ctx->base, command);
}

static void
nve_ctl_context_done(struct nve_ctl_context *nvectl_ctx,
                     struct ctl_command *command)
{
    ctl_context_done(&nvectl_ctx->base, command);
}

static void
run_prerequisites(struct ctl_command *commands, size_t n_commands,
                  struct ovsdb_idl *idl)
{
    add_table(idl, &nverec_table_nve_global);
    for (struct ctl_command *c = commands; c < &commands[n_commands]; c++) {
        if (c->syntax->prerequisites) {
            struct nve_ctl_context nvectl_ctx;

            ds_init(&c->output);
            c->table = NULL;

            nve_ctl_context_init(&nvectl_ctx, c, idl, NULL, NULL, NULL);
            (c->syntax->prerequisites)(&nvectl_ctx.base);
            if (nvectl_ctx.base.error) {
                ctl_fatal("%s", nvectl_ctx.base.error);
            }
            nve_ctl_context_done(&nvectl_ctx, c);

            ovs_assert(!c->output.string);
            ovs_assert(!c->table);
        }
    }
}

/* Prints the output of 'commands'. */
static void
print_output(struct ctl_command *commands, size_t n_commands)
{
    for (struct ctl_command *c = commands; c < &commands[n_commands]; c++) {
        struct ds *ds = &c->output;

        if (c->table) {
            table_print(c->table, &table_style);
        } else if (oneline) {
            ds_chomp(ds, '\n');
            for (size_t j = 0; j < ds->length; j++) {
                int ch = ds->string[j];
                switch (ch) {
                case '\n':
                    fputs("\\n", stdout);
                    break;

                case '\\':
                    fputs("\\\\", stdout);
                    break;

                default:
                    putchar(ch);
                }
            }
            putchar('\n');
        } else {
            fputs(ds_cstr(ds), stdout);
        }
    }
}

/* Waits until nve-controller has applied the configuration with 'nb_cfg'
 * 'next_cfg', that is, until it has set 'cur_cfg' to 'next_cfg' or later. */
static void
wait_for_cur_cfg(struct ovsdb_idl *idl, int64_t next_cfg)
{
    /* Even without --retry, keep reconnecting: giving up on a lost
     * connection would make the wait fail for no fault of the controller.
     * --timeout still bounds the wait. */
    ovsdb_idl_enable_reconnect(idl);
    for (;;) {
        const struct nverec_nve_global *global;

        ovsdb_idl_run(idl);
        global = nverec_nve_global_first(idl);
        if (global && global->cur_cfg >= next_cfg) {
            return;
        }
        ovsdb_idl_wait(idl);
        poll_block();
    }
}

static bool
do_nve_ctl(const char *args, struct ctl_command *commands, size_t n_commands,
           struct ovsdb_idl *idl)
{
    struct nve_ctl_context nvectl_ctx;
    struct ctl_command *c;
    int64_t next_cfg = 0;

    struct ovsdb_idl_txn *txn = the_idl_txn = ovsdb_idl_txn_create(idl);
    if (dry_run) {
        ovsdb_idl_txn_set_dry_run(txn);
    }

    ovsdb_idl_txn_add_comment(txn, "nve-ctl: %s", args);

    const struct nverec_nve_global *global = nverec_nve_global_first(idl);
    if (!global && ctl_might_write_to_db(commands, n_commands)) {
        global = nverec_nve_global_insert(txn);
    }
    if (wait_for_controller) {
        ovsdb_idl_txn_increment(txn, &global->header_,
                                &nverec_nve_global_col_nb_cfg, false);
    }

    struct ovsdb_symbol_table *symtab = ovsdb_symbol_table_create();
    for (c = commands; c < &commands[n_commands]; c++) {
        ds_init(&c->output);
        c->table = NULL;
    }
    nve_ctl_context_init(&nvectl_ctx, NULL, idl, txn, global, symtab);
    for (c = commands; c < &commands[n_commands]; c++) {
        nve_ctl_context_init_command(&nvectl_ctx, c,
                                     c == &commands[n_commands - 1]);
        if (c->syntax->run) {
            (c->syntax->run)(&nvectl_ctx.base);
        }
        if (nvectl_ctx.base.error) {
            /* ctl_fatal() aborts the transaction through nve_ctl_exit(), so
             * that none of the commands takes effect. */
            ctl_fatal("%s", nvectl_ctx.base.error);
        }
        nve_ctl_context_done_command(&nvectl_ctx, c);

        if (nvectl_ctx.base.try_again) {
            nve_ctl_context_done(&nvectl_ctx, NULL);
            goto try_again;
        }
    }
    nve_ctl_context_done(&nvectl_ctx, NULL);

    struct shash_node *node;
    SHASH_FOR_EACH (node, &symtab->sh) {
        struct ovsdb_symbol *symbol = node->data;
        if (!symbol->created) {
            ctl_fatal("row id \"%s\" is referenced but never created (e.g. "
                      "with \"-- --id=%s create ...\")",
                      node->name, node->name);
        }
        if (!symbol->strong_ref) {
            if (!symbol->weak_ref) {
                VLOG_WARN("row id \"%s\" was created but no reference to it "
                          "was inserted, so it will not actually appear in "
                          "the database", node->name);
            } else {
                VLOG_WARN("row id \"%s\" was created but only a weak "
                          "reference to it was inserted, so it will not "
                          "actually appear in the database", node->name);
            }
        }
    }

    enum ovsdb_idl_txn_status status = ovsdb_idl_txn_commit_block(txn);
    if (wait_for_controller && status == TXN_SUCCESS) {
        next_cfg = ovsdb_idl_txn_get_increment_new_value(txn);
    }
    if (status == TXN_UNCHANGED || status == TXN_SUCCESS) {
        for (c = commands; c < &commands[n_commands]; c++) {
            if (c->syntax->postprocess) {
                nve_ctl_context_init(&nvectl_ctx, c, idl, txn, global,
                                     symtab);
                (c->syntax->postprocess)(&nvectl_ctx.base);
                if (nvectl_ctx.base.error) {
                    ctl_fatal("%s", nvectl_ctx.base.error);
                }
                nve_ctl_context_done(&nvectl_ctx, c);
            }
        }
    }

    switch (status) {
    case TXN_UNCOMMITTED:
    case TXN_INCOMPLETE:
        OVS_NOT_REACHED();

    case TXN_ABORTED:
        /* Should not happen--we never call ovsdb_idl_txn_abort(). */
        ctl_fatal("transaction aborted");

    case TXN_UNCHANGED:
    case TXN_SUCCESS:
        break;

    case TXN_TRY_AGAIN:
        goto try_again;

    case TXN_ERROR:
        ctl_fatal("transaction error: %s", ovsdb_idl_txn_get_error(txn));

    case TXN_NOT_LOCKED:
        /* Should not happen--we never call ovsdb_idl_set_lock(). */
        ctl_fatal("database not locked");

    default:
        OVS_NOT_REACHED();
    }
    ovsdb_idl_txn_destroy(txn);
    txn = the_idl_txn = NULL;

    ovsdb_symbol_table_destroy(symtab);

    print_output(commands, n_commands);
    for (c = commands; c < &commands[n_commands]; c++) {
        ds_destroy(&c->output);
        table_destroy(c->table);
        free(c->table);
        shash_destroy_free_data(&c->options);
    }
    free(commands);

    if (wait_for_controller && status == TXN_SUCCESS) {
        fflush(stdout);
        wait_for_cur_cfg(idl, next_cfg);
    }
    ovsdb_idl_destroy(idl);
    the_idl = NULL;

    return true;

try_again:
    /* Our transaction needs to be rerun, or a prerequisite was not met.  Free
     * resources and return so that the caller can try again. */
    ovsdb_idl_txn_abort(txn);
    ovsdb_idl_txn_destroy(txn);
    the_idl_txn = NULL;

    ovsdb_symbol_table_destroy(symtab);
    for (c = commands; c < &commands[n_commands]; c++) {
        ds_destroy(&c->output);
        table_destroy(c->table);
        free(c->table);
    }
    return false;
}

static const struct ctl_command_syntax nve_commands[] = {
    /* General commands. */
    {"init", 0, 0, "", pre_config, cmd_init, NULL, "", RW},
    {"show", 0, 0, "", pre_show, cmd_show, NULL, "", RO},

    /* NVE commands. */
    {"set-name", 1, 1, "NAME", pre_config, cmd_set_name, NULL, "", RW},
    {"set-underlay", 1, 1, "IP", pre_config, cmd_set_underlay, NULL, "", RW},
    {"set-encap", 1, 1, "vxlan|geneve", pre_config, cmd_set_encap, NULL, "",
     RW},
    {"set-bridge", 1, 1, "BRIDGE", pre_config, cmd_set_bridge, NULL, "", RW},
    {"set-keepalive-timeout", 1, 1, "MSECS", pre_config,
     cmd_set_keepalive_timeout, NULL, "", RW},

    /* Virtual network commands. */
    {"add-vn", 2, 2, "VN VNID", pre_config, cmd_add_vn, NULL,
     "--may-exist,--profile=,--pcp=", RW},
    {"del-vn", 1, 1, "VN", pre_config, cmd_del_vn, NULL, "--if-exists", RW},
    {"list-vn", 0, 1, "[TES]", pre_config, cmd_list_vn, NULL, "", RO},
    {"set-vn-profile", 1, 2, "VN [PROFILE]", pre_config, cmd_set_vn_profile,
     NULL, "", RW},
    {"set-vn-pcp", 1, 2, "VN [PCP]", pre_config, cmd_set_vn_pcp, NULL, "",
     RW},

    /* TES commands. */
    {"add-tes", 1, 1, "TES", pre_config, cmd_add_tes, NULL, "--may-exist",
     RW},
    {"del-tes", 1, 1, "TES", pre_config, cmd_del_tes, NULL, "--if-exists",
     RW},
    {"list-tes", 0, 0, "", pre_config, cmd_list_tes, NULL, "", RO},
    {"tes-add-port", 2, 2, "TES PORT", pre_config, cmd_tes_add_port, NULL,
     "--may-exist", RW},
    {"tes-del-port", 2, 2, "TES PORT", pre_config, cmd_tes_del_port, NULL,
     "--if-exists", RW},
    {"tes-add-vn", 2, 2, "TES VN", pre_config, cmd_tes_add_vn, NULL,
     "--may-exist", RW},
    {"tes-del-vn", 2, 2, "TES VN", pre_config, cmd_tes_del_vn, NULL,
     "--if-exists", RW},

    /* Port commands. */
    {"add-port", 1, 3, "PORT [VID_MIN VID_MAX]", pre_config, cmd_add_port,
     NULL, "--may-exist", RW},
    {"del-port", 1, 1, "PORT", pre_config, cmd_del_port, NULL, "--if-exists",
     RW},
    {"list-ports", 0, 1, "[TES]", pre_config, cmd_list_ports, NULL, "", RO},
    {"set-port-vids", 1, 3, "PORT [VID_MIN VID_MAX]", pre_config,
     cmd_set_port_vids, NULL, "", RW},
    {"bind-vid", 3, 3, "PORT VID VN", pre_config, cmd_bind_vid, NULL,
     "--may-exist", RW},
    {"unbind-vid", 2, 2, "PORT VID", pre_config, cmd_unbind_vid, NULL,
     "--if-exists", RW},
    {"list-bindings", 1, 1, "PORT", pre_config, cmd_list_bindings, NULL, "",
     RO},

    /* Policy profile commands. */
    {"add-profile", 1, 1, "PROFILE", pre_config, cmd_add_profile, NULL,
     "--may-exist", RW},
    {"del-profile", 1, 1, "PROFILE", pre_config, cmd_del_profile, NULL,
     "--if-exists", RW},
    {"list-profiles", 0, 0, "", pre_config, cmd_list_profiles, NULL, "", RO},
    {"add-acl", 5, 5, "PROFILE DIRECTION PRIORITY MATCH ACTION", pre_config,
     cmd_add_acl, NULL, "--may-exist", RW},
    {"del-acl", 1, 4, "PROFILE [DIRECTION [PRIORITY MATCH]]", pre_config,
     cmd_del_acl, NULL, "--if-exists", RW},
    {"list-acl", 1, 1, "PROFILE", pre_config, cmd_list_acl, NULL, "", RO},

    /* Remote NVE commands. */
    {"add-remote", 2, 3, "REMOTE IP [ENCAP]", pre_config, cmd_add_remote,
     NULL, "--may-exist", RW},
    {"del-remote", 1, 1, "REMOTE", pre_config, cmd_del_remote, NULL,
     "--if-exists", RW},
    {"list-remotes", 0, 0, "", pre_config, cmd_list_remotes, NULL, "", RO},
    {"remote-add-vn", 2, 2, "REMOTE VN", pre_config, cmd_remote_add_vn, NULL,
     "--may-exist", RW},
    {"remote-del-vn", 2, 2, "REMOTE VN", pre_config, cmd_remote_del_vn, NULL,
     "--if-exists", RW},

    /* Remote mapping commands. */
    {"add-mapping", 3, 4, "VN MAC REMOTE [IP]", pre_config, cmd_add_mapping,
     NULL, "--may-exist", RW},
    {"del-mapping", 2, 2, "VN MAC", pre_config, cmd_del_mapping, NULL,
     "--if-exists", RW},
    {"list-mappings", 0, 1, "[VN]", pre_config, cmd_list_mappings, NULL, "",
     RO},

    /* VSI commands. */
    {"list-vsi", 0, 0, "", pre_vsi, cmd_list_vsi, NULL, "", RO},

    /* SSL commands. */
    {"get-ssl", 0, 0, "", pre_config, cmd_get_ssl, NULL, "", RO},
    {"del-ssl", 0, 0, "", pre_config, cmd_del_ssl, NULL, "", RW},
    {"set-ssl", 3, 5,
     "PRIVATE-KEY CERTIFICATE CA-CERT [PROTOCOLS [CIPHERS]]", pre_config,
     cmd_set_ssl, NULL, "--bootstrap", RW},

    /* TNS remote commands. */
    {"get-tns-remote", 0, 0, "", pre_config, cmd_get_tns_remote, NULL, "",
     RO},
    {"set-tns-remote", 1, INT_MAX, "TARGET...", pre_config,
     cmd_set_tns_remote, NULL, "", RW},
    {"add-tns-remote", 1, INT_MAX, "TARGET...", pre_config,
     cmd_add_tns_remote, NULL, "--may-exist", RW},
    {"del-tns-remote", 0, INT_MAX, "[TARGET...]", pre_config,
     cmd_del_tns_remote, NULL, "--if-exists", RW},

    {NULL, 0, 0, NULL, NULL, NULL, NULL, NULL, RO},
};

/* Registers nve-ctl and the common database commands. */
static void
nve_ctl_cmd_init(void)
{
    ctl_init(&nverec_idl_class, nverec_table_classes, tables, NULL,
             nve_ctl_exit);
    ctl_register_commands(nve_commands);
}
