/* command_table: every cronoctl command, defined once.
 *
 * Each row is a command's name, usage, summary, options, handler, the API
 * routes it calls and what the shell completes for its arguments. From
 * this table come `cronoctl --help`, `cronoctl COMMAND --help`, the
 * argument parser and the bash completion (`cronoctl --complete`); the
 * man pages (contrib/man/cronoctl.1, contrib/man/es/cronoctl.1) follow it
 * and a test checks that they name every command. Texts are English,
 * marked N_() for the catalogue. */
#include <stddef.h>

#include "cronoctl.h"

static const struct cli_opt opts_none[] = {{NULL, NULL, NULL, NULL}};

static const struct cli_opt opts_delete[] = {
    {"force", NULL, N_("delete even if organisations heard of it"), NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_dry_run[] = {
    {"dry-run", NULL, N_("check and report, change nothing"), NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_import[] = {
    {"year", N_("Y"),
     N_("the year of dates that name none (default: this year)"), NULL},
    {"dry-run", NULL, N_("check and report, change nothing"), NULL},
    {"topics", N_("TEMAS.tsv"),
     N_("topics to import first (default: temas-*.tsv or temas.tsv next to "
        "FILE)"),
     CPL("file:tsv")},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_events[] = {
    {"topic", N_("SLUG"), N_("only sessions of this topic"), CPL("topic")},
    {"tbd", NULL, N_("only sessions whose date is still undecided"), NULL},
    {"from", N_("DATE"), N_("only sessions on or after DATE (YYYY-MM-DD)"),
     NULL},
    {"to", N_("DATE"), N_("only sessions on or before DATE (YYYY-MM-DD)"),
     NULL},
    {"cancelled", NULL, N_("include cancelled sessions"), NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_show[] = {
    {"ical", NULL, N_("also print the session's VEVENT"), NULL},
    {NULL, NULL, NULL, NULL},
};

/* add and edit take the same fields. */
static const struct cli_opt opts_event_fields[] = {
    {"title", N_("T"), N_("the session's title"), NULL},
    {"date", N_("EXPR"), N_("a Spanish date expression (\"8 de febrero\")"),
     NULL},
    {"start", N_("ISO"), N_("start date or date and time (2018-02-08T10:00)"),
     NULL},
    {"end", N_("ISO"), N_("end date or date and time (with --start)"), NULL},
    {"tz", N_("TZID"), N_("time zone (default: the office's)"), NULL},
    {"location", N_("L"), N_("where it takes place"), NULL},
    {"description", N_("D"), N_("a longer description"), NULL},
    {"topics", N_("SLUG,…"), N_("the session's topics"), CPL("topic,")},
    {"remind", N_("OFFSETS"),
     N_("reminder offsets, e.g. 3d,1h (\"\" = defaults)"), NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_export[] = {
    {"topic", N_("SLUG"), N_("only sessions of this topic"), CPL("topic")},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_log[] = {
    {"event", N_("EVENT"), N_("only entries about this session"), CPL("event")},
    {"limit", N_("N"), N_("at most N entries (newest first)"), NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_osc_add[] = {
    {"name", N_("NAME"), N_("the organisation's name"), NULL},
    {"email", N_("ADDR[,ADDR…]"), N_("where its reminders go"), NULL},
    {"contact", N_("PERSON"), N_("a contact person"), NULL},
    {"state", N_("ESTADO"), N_("the Mexican state it is based in"), NULL},
    {"topics", N_("SLUG,…"), N_("topics it follows"), CPL("topic,")},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_osc_list[] = {
    {"topic", N_("SLUG"), N_("only organisations that follow this topic"),
     CPL("topic")},
    {"rebotando", NULL,
     N_("addresses disabled or bouncing, why, and organisations left with "
        "none"),
     NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_osc_token[] = {
    {"reset", NULL, N_("issue a new token (the old feed URL stops working)"),
     NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_osc_export[] = {
    {"output", N_("FILE"),
     N_("write the JSON to FILE (mode 0600), not to standard output; -o "
        "for short"),
     CPL("file:json")},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_osc_forget[] = {
    {"yes", NULL, N_("do not ask (required when not on a terminal)"), NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_osc_reject[] = {
    {"reason", N_("TEXT"), N_("why, kept with the request for staff"), NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_outbox[] = {
    {"state", N_("S"),
     N_("pending, sending, sent, failed, expired, held, dropped or skipped"),
     CPL("word:outbox-state")},
    {"event", N_("EVENT"), N_("only messages about this session"),
     CPL("event")},
    {"limit", N_("N"), N_("at most N messages"), NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_outbox_retry[] = {
    {"failed", NULL, N_("retry every failed message"), NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_preview[] = {
    {"osc", N_("OSC"),
     N_("the organisation (default: the first that follows its topics)"), NULL},
    {"kind", N_("KIND"),
     N_("recordatorio (default), fecha, cambio or cancelacion"),
     CPL("word:preview-kind")},
    {"html", N_("FILE"), N_("write the HTML part to FILE"), CPL("file:")},
    {"raw", NULL, N_("print the whole MIME message"), NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_outbox_show[] = {
    {"html", N_("FILE"), N_("write the HTML part to FILE"), CPL("file:")},
    {"raw", NULL, N_("print the whole MIME message"), NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_outbox_move[] = {
    {"event", N_("EVENT"), N_("every such message of this session"),
     CPL("event")},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_upcoming[] = {
    {"days", N_("N"), N_("look N days ahead (default 7)"), NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_reschedule[] = {
    {"dry-run", NULL, N_("show what would change and who would be told"), NULL},
    {"now", NULL, N_("send the notices at once"), NULL},
    {"silent", NULL, N_("tell nobody (reminders still follow the new date)"),
     NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_cancel[] = {
    {"reason", N_("TEXT"), N_("why, told to the organisations"), NULL},
    {"now", NULL, N_("send the notices at once"), NULL},
    {"silent", NULL, N_("tell nobody"), NULL},
    {NULL, NULL, NULL, NULL},
};

static const struct cli_opt opts_clock[] = {
    {"set", N_("ISO"), N_("set the daemon's clock (2018-02-01T00:00:00Z)"),
     NULL},
    {"advance", N_("SECONDS"), N_("move the daemon's clock forward"), NULL},
    {NULL, NULL, NULL, NULL},
};

/* The commands, in the order --help lists them, each with the API routes
 * it uses (shown by COMMAND --help; schemas/control-api.yaml has them). */
const struct cli_command cli_commands[] = {
    {"status", "", N_("the daemon's version, uptime, time zone and counts"),
     opts_none, 0, 0, cmd_status, ROUTES(STATUS), NULL},
    {"topics", "", N_("list the topics and how many sessions each has"),
     opts_none, 0, 0, cmd_topics, ROUTES(TOPICS), NULL},
    {"topics import", N_("FILE.tsv [--dry-run]"),
     N_("import topics (code, slug, nombre[, objetivo, title])"), opts_dry_run,
     1, 1, cmd_topics_import, ROUTES(TOPICS_IMPORT), CPL("file:tsv")},
    {"topics remind", N_("SLUG OFFSETS|default"),
     N_("set a topic's own reminder offsets (3d,1h), or back to the "
        "defaults"),
     opts_none, 2, 2, cmd_topics_remind, ROUTES(TOPIC_EDIT),
     CPL("topic word:remind-default")},
    {"import", N_("FILE [--year Y] [--dry-run] [--topics TEMAS.tsv]"),
     N_("import a programme (TSV or .ics), all or nothing"), opts_import, 1, 1,
     cmd_import, ROUTES(IMPORT), CPL("file:tsv|ics")},
    {"events",
     N_("[--topic SLUG] [--tbd] [--from DATE] [--to DATE] [--cancelled]"),
     N_("list sessions"), opts_events, 0, 0, cmd_events, ROUTES(EVENTS), NULL},
    {"show", N_("EVENT [--ical]"), N_("show a session"), opts_show, 1, 1,
     cmd_show, ROUTES(EVENT_GET), CPL("event")},
    {"add",
     N_("--title T (--date EXPR | --start ISO [--end ISO]) [--tz TZID] "
        "[--location L] [--description D] [--topics SLUG,…] [--remind "
        "OFFSETS]"),
     N_("add a session; prints its id"), opts_event_fields, 0, 0, cmd_add,
     ROUTES(EVENT_ADD), NULL},
    {"edit",
     N_("EVENT [--title T] [--date EXPR | --start ISO [--end ISO]] [--tz "
        "TZID] [--location L] [--description D] [--topics SLUG,…] "
        "[--remind OFFSETS]"),
     N_("change fields of a session"), opts_event_fields, 1, 1, cmd_edit,
     ROUTES(EVENT_EDIT), CPL("event")},
    {"delete", N_("EVENT [--force]"), N_("delete a session"), opts_delete, 1, 1,
     cmd_delete, ROUTES(EVENT_DELETE), CPL("event")},
    {"export", N_("[--topic SLUG]"), N_("write the programme as iCalendar"),
     opts_export, 0, 0, cmd_export, ROUTES(EXPORT), NULL},
    {"log", N_("[--event EVENT] [--limit N]"), N_("show the audit log"),
     opts_log, 0, 0, cmd_log, ROUTES(LOG), NULL},
    {"osc add",
     N_("--name NAME --email ADDR[,ADDR…] [--contact PERSON] [--state "
        "ESTADO] [--topics SLUG,…]"),
     N_("register an organisation; prints its id"), opts_osc_add, 0, 0,
     cmd_osc_add, ROUTES(OSC_ADD), NULL},
    {"osc import", N_("FILE.csv [--dry-run]"),
     N_("import organisations from a spreadsheet's CSV"), opts_dry_run, 1, 1,
     cmd_osc_import, ROUTES(OSC_IMPORT), CPL("file:csv")},
    {"osc list", N_("[--topic SLUG | --rebotando]"), N_("list organisations"),
     opts_osc_list, 0, 0, cmd_osc_list, ROUTES(OSCS, ADDRESSES), NULL},
    {"osc show", N_("OSC"),
     N_("show an organisation and the state of its addresses"), opts_none, 1, 1,
     cmd_osc_show, ROUTES(OSC_GET, ADDRESSES), NULL},
    {"osc enable", N_("ADDRESS|OSC"),
     N_("mail an address again after bounces (or every one of an "
        "organisation)"),
     opts_none, 1, 1, cmd_osc_enable, ROUTES(ADDRESS_ENABLE), NULL},
    {"osc remove", N_("OSC"), N_("remove an organisation"), opts_none, 1, 1,
     cmd_osc_remove, ROUTES(OSC_REMOVE), NULL},
    {"osc token", N_("OSC [--reset]"),
     N_("show (or reset) an organisation's private feed"), opts_osc_token, 1, 1,
     cmd_osc_token, ROUTES(OSC_TOKEN_GET, OSC_TOKEN_RESET), NULL},
    {"osc export", N_("OSC [-o FILE]"),
     N_("write everything held about an organisation as JSON (its right of "
        "access)"),
     opts_osc_export, 1, 1, cmd_osc_export, ROUTES(OSC_EXPORT), NULL},
    {"osc forget", N_("OSC [--yes]"),
     N_("erase an organisation's personal data for good (its right of "
        "erasure)"),
     opts_osc_forget, 1, 1, cmd_osc_forget, ROUTES(OSC_GET, OSC_FORGET), NULL},
    {"osc pending", "",
     N_("list signup requests from the page waiting for approval"), opts_none,
     0, 0, cmd_osc_pending, ROUTES(SIGNUPS), NULL},
    {"osc approve", N_("ID"),
     N_("approve a signup request: the organisation is subscribed and told"),
     opts_none, 1, 1, cmd_osc_approve, ROUTES(SIGNUP_APPROVE), NULL},
    {"osc reject", N_("ID [--reason TEXT]"),
     N_("reject a signup request (nothing is sent)"), opts_osc_reject, 1, 1,
     cmd_osc_reject, ROUTES(SIGNUP_REJECT), NULL},
    {"subscribe", N_("OSC SLUG…"), N_("subscribe an organisation to topics"),
     opts_none, 2, -1, cmd_subscribe, ROUTES(OSC_SUBSCRIBE), CPL("- topic*")},
    {"unsubscribe", N_("OSC SLUG…"),
     N_("unsubscribe an organisation from topics"), opts_none, 2, -1,
     cmd_unsubscribe, ROUTES(OSC_UNSUBSCRIBE), CPL("- topic*")},
    {"outbox", N_("[--state S] [--event EVENT] [--limit N]"),
     N_("list messages to send, sent and failed"), opts_outbox, 0, 0,
     cmd_outbox, ROUTES(OUTBOX), NULL},
    {"outbox retry", N_("ID | --failed"),
     N_("send a failed message again (or all of them)"), opts_outbox_retry, 0,
     1, cmd_outbox_retry, ROUTES(OUTBOX_RETRY), NULL},
    {"outbox show", N_("ID [--html FILE] [--raw]"),
     N_("a message as it is or was sent, its state, tries and last reply"),
     opts_outbox_show, 1, 1, cmd_outbox_show, ROUTES(OUTBOX_SHOW), NULL},
    {"outbox hold", N_("ID | --event EVENT"),
     N_("keep pending messages back: not sent until released"),
     opts_outbox_move, 0, 1, cmd_outbox_hold, ROUTES(OUTBOX_HOLD), NULL},
    {"outbox release", N_("ID | --event EVENT"),
     N_("let held messages go, due now"), opts_outbox_move, 0, 1,
     cmd_outbox_release, ROUTES(OUTBOX_RELEASE), NULL},
    {"outbox drop", N_("ID"), N_("end an unsent message for good"), opts_none,
     1, 1, cmd_outbox_drop, ROUTES(OUTBOX_DROP), NULL},
    {"preview", N_("EVENT [--osc OSC] [--kind KIND] [--html FILE] [--raw]"),
     N_("the message an organisation would get; queues nothing"), opts_preview,
     1, 1, cmd_preview, ROUTES(EVENT_PREVIEW), CPL("event")},
    {"upcoming", N_("[--days N]"), N_("reminders due in the next days"),
     opts_upcoming, 0, 0, cmd_upcoming, ROUTES(UPCOMING, STATUS), NULL},
    {"tbd", "", N_("undecided sessions, by window"), opts_none, 0, 0, cmd_tbd,
     ROUTES(TBD), NULL},
    {"reschedule", N_("EVENT WHEN [--dry-run] [--now] [--silent]"),
     N_("fix or move a session's date and tell its subscribers"),
     opts_reschedule, 2, -1, cmd_reschedule, ROUTES(EVENT_RESCHEDULE, STATUS),
     CPL("event")},
    {"cancel", N_("EVENT [--reason TEXT] [--now] [--silent]"),
     N_("cancel a session and tell its subscribers"), opts_cancel, 1, 1,
     cmd_cancel, ROUTES(EVENT_CANCEL, STATUS), CPL("event")},
    {"bounce", N_("< MESSAGE"),
     N_("take in a message that came back to the bounce address (an MTA's "
        "pipe; exit 75: try again)"),
     opts_none, 0, 0, cmd_bounce, ROUTES(BOUNCE_ADD), NULL},
    {"clock", N_("[--set ISO | --advance SECONDS]"),
     N_("show or move the daemon's test clock"), opts_clock, 0, 0, cmd_clock,
     ROUTES(CLOCK, STATUS), NULL},
};

const int cli_ncommands = (int)(sizeof(cli_commands) / sizeof(cli_commands[0]));

const struct cli_opt cli_global_opts[] = {
    {"socket", N_("PATH"), N_("the control socket (default: see ENVIRONMENT)"),
     CPL("file:")},
    {"json", NULL, N_("print the API's JSON instead of tables"), NULL},
    {"wide", NULL, N_("do not cut long titles to fit 100 columns"), NULL},
    {"help", NULL, N_("this help, or a command's with COMMAND --help"), NULL},
    {"version", NULL, N_("print cronoctl's version"), NULL},
    {NULL, NULL, NULL, NULL},
};
