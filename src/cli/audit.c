/* roster audit: the audit log, read (with filters) and verified (its hash chain). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "audit/audit.h"
#include "cli/cli.h"
#include "util/buf.h"
#include "vault/vault.h"
#include "util/banned.h"

static const char usage[] = "usage: roster [-c FILE] audit [--person ID] [--target T] [--since DATE] [--json]\n"
			    "   or: roster [-c FILE] audit verify\n"
			    "\n"
			    "Shows the events of the audit log, oldest first, one a line with tabs between\n"
			    "seq, time (UTC), actor, kind, target, employee_id, action, outcome and error\n"
			    "(\"-\" where there is none). 'verify' walks the hash chain of the whole log and\n"
			    "names the first event that was changed, removed or put out of order.\n"
			    "\n"
			    "  --person ID    only the events about the person with employee_id ID\n"
			    "  --target T     only the events about target T\n"
			    "  --since DATE   only the events on or after DATE (YYYY-MM-DD, UTC)\n"
			    "  --json         print {\"events\": [...]} with every field (docs/audit.md)\n"
			    "\n"
			    "exit codes: 0 shown, or the chain is intact; 1 the chain is broken or the log\n"
			    "cannot be read; 2 bad usage or configuration\n";

struct show {
	int json;
	size_t n;
	struct buf line;
};

/* s on one line: NULL as "-", a backslash and control characters escaped, so tabs only separate. */
static void
add_text(struct buf *b, const char *s)
{
	if (!s) {
		buf_addch(b, '-');
		return;
	}
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '\\': buf_add(b, "\\\\", 2); break;
		case '\n': buf_add(b, "\\n", 2); break;
		case '\r': buf_add(b, "\\r", 2); break;
		case '\t': buf_add(b, "\\t", 2); break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				buf_addf(b, "\\x%02x", *p);
			else
				buf_addch(b, (char)*p);
		}
	}
}

static void
add_json(struct buf *b, const char *name, const char *s)
{
	buf_addf(b, ", \"%s\": ", name);
	if (s)
		buf_add_json_str(b, s);
	else
		buf_adds(b, "null");
}

static int
show_event(void *ctx, const struct audit_event *ev)
{
	struct show *sh = ctx;
	struct buf *b = &sh->line;

	buf_reset(b);
	if (sh->json) {
		buf_addf(b, "%s\n  {\"seq\": %ld", sh->n ? "," : "", ev->seq);
		add_json(b, "time", ev->time);
		add_json(b, "actor", ev->actor);
		add_json(b, "run", ev->run);
		add_json(b, "kind", ev->kind);
		add_json(b, "target", ev->target);
		add_json(b, "employee_id", ev->employee_id);
		add_json(b, "action", ev->action);
		add_json(b, "before", ev->before);
		add_json(b, "after", ev->after);
		add_json(b, "outcome", ev->outcome);
		add_json(b, "error", ev->error);
		add_json(b, "prev_hash", ev->prev_hash);
		add_json(b, "hash", ev->hash);
		buf_addch(b, '}');
	} else {
		const char *f[] = { ev->time,	     ev->actor,	 ev->kind,    ev->target,
				    ev->employee_id, ev->action, ev->outcome, ev->error };

		buf_addf(b, "%ld", ev->seq);
		for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
			buf_addch(b, '\t');
			add_text(b, f[i]);
		}
		buf_addch(b, '\n');
	}
	sh->n++;
	return fwrite(buf_str(b), 1, b->len, stdout) == b->len ? 0 : -1;
}

static int
verify(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct config cfg;
	struct vault *v = NULL;
	struct err e;
	size_t n = 0;
	int c, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (cli_load_config(cli, &cfg) < 0)
		return EXIT_USAGE;
	err_init(&e);
	if (!(v = vault_open(cfg.vault_path, &e)) || audit_verify(v, &n, &e) < 0) {
		err_prefix(&e, "audit");
		ret = cli_fail(&e);
	} else {
		printf("audit: %zu event%s, the chain is intact\n", n, n == 1 ? "" : "s");
	}
	vault_close(v);
	config_release(&cfg);
	return ret;
}

int
cmd_audit(struct cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "person", required_argument, NULL, 'p' }, { "target", required_argument, NULL, 't' },
		{ "since", required_argument, NULL, 's' },  { "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },	    { NULL, 0, NULL, 0 },
	};
	struct audit_filter f = { NULL, NULL, NULL };
	struct show sh = { 0, 0, BUF_INIT };
	struct config cfg;
	struct vault *v = NULL;
	struct err e;
	civil_day day;
	int c, ret = EXIT_OK;

	if (argc > 1 && !strcmp(argv[1], "verify"))
		return verify(cli, argc - 1, argv + 1);
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': f.employee_id = optarg; break;
		case 't': f.target = optarg; break;
		case 's': f.since = optarg; break;
		case 'j': sh.json = 1; break;
		case 'h': fputs(usage, stdout); return EXIT_OK;
		default: fputs(usage, stderr); return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	if (f.since && date_parse_iso(f.since, &day) < 0)
		return cli_usage_error("--since: \"%s\" is not a date (expected YYYY-MM-DD)", f.since);
	if (cli_load_config(cli, &cfg) < 0)
		return EXIT_USAGE;
	err_init(&e);
	if (!(v = vault_open(cfg.vault_path, &e))) {
		ret = cli_fail(&e);
		goto out;
	}
	if (sh.json)
		fputs("{\"events\": [", stdout);
	if (audit_read(v, &f, show_event, &sh, &e) < 0) {
		err_prefix(&e, "audit");
		ret = cli_fail(&e);
		goto out;
	}
	if (sh.json)
		fputs(sh.n ? "\n]}\n" : "]}\n", stdout);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "roster: audit: cannot write to standard output\n");
		ret = EXIT_FAILED;
	}
out:
	buf_release(&sh.line);
	vault_close(v);
	config_release(&cfg);
	return ret;
}
