/*
 * Unit tests for connector/connector_csv.c: the csv target, a file of
 * accounts. What one connector writes, another reads back the same; hostile
 * values survive the quoting; a file that is not a roster csv target is
 * refused with its name; the interface's promises (idempotent group
 * changes, NOTFOUND, CONFLICT) hold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config/config.h"
#include "connector/connector.h"
#include "util/file.h"
#include "testlib.h"

struct fixture {
	char dir[512];
	struct config cfg;
	const struct connector_ops *ops;
	struct connector *c;
	struct err e;
};

static const char yaml[] = "vault: var/roster.db\n"
			   "sources:\n"
			   "  - {name: hr, format: csv, persons: p.csv}\n"
			   "targets:\n"
			   "  - name: directory\n"
			   "    connector: csv\n"
			   "    correlate: {attribute: employeeNumber, field: employee_id}\n"
			   "  - name: plain\n"
			   "    connector: csv\n"
			   "    file: accounts/plain.csv\n";

static int
setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char path[600];

	if (!fx || tl_tmpdir_make(fx->dir, sizeof(fx->dir), "csvconn") < 0)
		return -1;
	tl_put_file(fx->dir, "roster.yaml", yaml);
	snprintf(path, sizeof(path), "%s/roster.yaml", fx->dir);
	err_init(&fx->e);
	if (config_load(&fx->cfg, path, &fx->e) < 0) {
		print_error("config_load: %s\n", fx->e.msg);
		return -1;
	}
	fx->ops = connector_find("csv");
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *fx = *state;

	if (fx->c)
		fx->ops->close(fx->c);
	config_release(&fx->cfg);
	tl_tmpdir_remove(fx->dir);
	free(fx);
	return 0;
}

static struct connector *
reopen(struct fixture *fx, size_t target)
{
	if (fx->c)
		fx->ops->close(fx->c);
	fx->c = fx->ops->open(&fx->cfg, &fx->cfg.targets[target], &fx->e);
	if (!fx->c)
		fail_msg("open: %s", fx->e.msg);
	return fx->c;
}

static char *
file_of(struct fixture *fx, const char *rel)
{
	char path[700];
	size_t len;
	char *s;

	snprintf(path, sizeof(path), "%s/%s", fx->dir, rel);
	s = file_read(path, 1 << 20, &len, &fx->e);
	if (!s)
		fail_msg("%s: %s", path, fx->e.msg);
	return s;
}

/* A create of employee id with the attributes given as name, value, …, NULL. */
static void
create(struct fixture *fx, const char *id, int enabled, ...)
{
	struct account_attr attrs[16];
	struct conn_request rq;
	struct conn_result res;
	va_list ap;
	size_t n = 0;
	const char *name;

	memset(&rq, 0, sizeof(rq));
	va_start(ap, enabled);
	while ((name = va_arg(ap, const char *)) && n < 16) {
		attrs[n].name = name;
		attrs[n++].value = va_arg(ap, const char *);
	}
	va_end(ap);
	rq.employee_id = id;
	rq.correlate = id;
	rq.attrs = attrs;
	rq.nattrs = n;
	rq.enabled = enabled;
	assert_int_equal(fx->ops->create(fx->c, &rq, &res, &fx->e), 0);
	assert_string_equal(res.ref, id);
}

static struct conn_request
ref(const char *r)
{
	struct conn_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.employee_id = r;
	rq.ref = r;
	return rq;
}

static void
a_new_target_has_no_file_and_no_accounts(void **state)
{
	struct fixture *fx = *state;
	struct conn_object o;
	char path[700];

	reopen(fx, 0);
	assert_int_equal(fx->ops->lookup(fx->c, "100001", &o, &fx->e), 0);
	assert_int_equal(fx->ops->flush(fx->c, &fx->e), 0); /* nothing changed: nothing written */
	snprintf(path, sizeof(path), "%s/var/directory.csv", fx->dir);
	assert_int_equal(access(path, F_OK), -1);
}

static void
accounts_written_are_read_back_by_the_next_connector(void **state)
{
	struct fixture *fx = *state;
	struct conn_request rq = ref("100001");
	struct conn_object o;
	char *text;

	reopen(fx, 0);
	create(fx, "100001", 1, "employeeNumber", "100001", "uid", "jan.devries", "displayName", "Jan de Vries", NULL);
	create(fx, "100002", 0, "employeeNumber", "100002", "uid", "piet", NULL);
	assert_int_equal(fx->ops->permission(fx->c, &rq, "all-staff", 1, &fx->e), 0);
	assert_int_equal(fx->ops->permission(fx->c, &rq, "dept-ict", 1, &fx->e), 0);
	assert_int_equal(fx->ops->flush(fx->c, &fx->e), 0);
	text = file_of(fx, "var/directory.csv");
	assert_string_equal(text, "ref,enabled,groups,displayName,employeeNumber,uid\n"
				  "100001,true,\"all-staff\ndept-ict\",Jan de Vries,100001,jan.devries\n"
				  "100002,false,,,100002,piet\n");
	free(text);
	reopen(fx, 0);
	assert_int_equal(fx->ops->lookup(fx->c, "100001", &o, &fx->e), 1);
	assert_string_equal(o.ref, "100001");
	assert_true(o.enabled);
	assert_int_equal(o.nattrs, 3);
	assert_string_equal(o.attrs[0].name, "displayName");
	assert_string_equal(o.attrs[0].value, "Jan de Vries");
	assert_int_equal(o.npermissions, 2);
	assert_string_equal(o.permissions[0], "all-staff");
	assert_string_equal(o.permissions[1], "dept-ict");
	assert_int_equal(fx->ops->lookup(fx->c, "100002", &o, &fx->e), 1);
	assert_false(o.enabled);
	assert_int_equal(o.npermissions, 0);
}

static void
hostile_values_survive_the_quoting(void **state)
{
	struct fixture *fx = *state;
	struct conn_object o;
	const char *nasty = "O'Brien, Pat \"the \"\"boss\"\"\"\nline two;\r\tJan (Admin)* Zoë";

	reopen(fx, 0);
	create(fx, "100003", 1, "employeeNumber", "100003", "description", nasty, "a,b", "x", NULL);
	assert_int_equal(fx->ops->flush(fx->c, &fx->e), 0);
	reopen(fx, 0);
	assert_int_equal(fx->ops->lookup(fx->c, "100003", &o, &fx->e), 1);
	assert_int_equal(o.nattrs, 3);
	assert_string_equal(o.attrs[0].name, "a,b");
	assert_string_equal(o.attrs[1].name, "description");
	assert_string_equal(o.attrs[1].value, nasty);
}

static void
update_enable_remove_and_groups_keep_their_promises(void **state)
{
	struct fixture *fx = *state;
	struct conn_request rq = ref("100001"), none = ref("999999");
	struct account_attr change[2] = { { "uid", "jan.devries2" }, { "displayName", "" } };
	struct conn_object o;
	struct conn_result res;

	reopen(fx, 0);
	create(fx, "100001", 1, "employeeNumber", "100001", "uid", "jan.devries", "displayName", "Jan", NULL);
	rq.changed = change;
	rq.nchanged = 2;
	assert_int_equal(fx->ops->update(fx->c, &rq, &fx->e), 0);
	assert_int_equal(fx->ops->set_enabled(fx->c, &rq, 0, &res, &fx->e), 0);
	assert_string_equal(res.ref, ""); /* a row keeps its ref */
	/* a group added twice is there once; removing one that is not there succeeds */
	assert_int_equal(fx->ops->permission(fx->c, &rq, "g", 1, &fx->e), 0);
	assert_int_equal(fx->ops->permission(fx->c, &rq, "g", 1, &fx->e), 0);
	assert_int_equal(fx->ops->permission(fx->c, &rq, "h", 0, &fx->e), 0);
	assert_int_equal(fx->ops->lookup(fx->c, "100001", &o, &fx->e), 1);
	assert_int_equal(o.nattrs, 2); /* displayName "" is removed */
	assert_string_equal(o.attrs[1].value, "jan.devries2");
	assert_false(o.enabled);
	assert_int_equal(o.npermissions, 1);
	/* a group name of two lines would break the file: refused */
	assert_int_equal(fx->ops->permission(fx->c, &rq, "a\nb", 1, &fx->e), -1);
	assert_int_equal(fx->e.class, ERR_PERMANENT);
	/* what is not there */
	assert_int_equal(fx->ops->update(fx->c, &none, &fx->e), -1);
	assert_int_equal(fx->e.class, ERR_NOTFOUND);
	assert_int_equal(fx->ops->remove(fx->c, &rq, &fx->e), 0);
	assert_int_equal(fx->ops->remove(fx->c, &rq, &fx->e), -1);
	assert_int_equal(fx->e.class, ERR_NOTFOUND);
	assert_int_equal(fx->ops->lookup(fx->c, "100001", &o, &fx->e), 0);
}

static void
a_second_create_of_the_same_account_is_a_conflict(void **state)
{
	struct fixture *fx = *state;
	struct account_attr a = { "employeeNumber", "100001" };
	struct conn_request rq;
	struct conn_result res;

	reopen(fx, 0);
	create(fx, "100001", 1, "employeeNumber", "100001", NULL);
	memset(&rq, 0, sizeof(rq));
	rq.employee_id = rq.correlate = "100001";
	rq.attrs = &a;
	rq.nattrs = 1;
	assert_int_equal(fx->ops->create(fx->c, &rq, &res, &fx->e), -1);
	assert_int_equal(fx->e.class, ERR_CONFLICT);
}

static void
file_puts_the_target_where_it_says(void **state)
{
	struct fixture *fx = *state;
	char *text;

	reopen(fx, 1);
	create(fx, "100001", 1, "uid", "jan", NULL);
	assert_int_equal(fx->ops->flush(fx->c, &fx->e), 0);
	text = file_of(fx, "accounts/plain.csv");
	assert_string_equal(text, "ref,enabled,groups,uid\n100001,true,,jan\n");
	free(text);
}

static void
a_file_that_is_not_a_roster_target_is_refused_with_its_name(void **state)
{
	struct fixture *fx = *state;
	static const char *const bad[] = {
		"not,a,roster,file\n",
		"ref,enabled,groups,uid\n100001,maybe,,jan\n",
		"ref,enabled,groups,uid\n100001,true,,jan,extra\n",
		"ref,enabled,groups,uid\n100001,true,,jan\n100001,true,,piet\n",
		"ref,enabled,groups,uid\n\"100001,true,,jan\n",
	};

	reopen(fx, 0); /* the folder var/ comes with the first flush */
	create(fx, "100001", 1, "employeeNumber", "100001", NULL);
	assert_int_equal(fx->ops->flush(fx->c, &fx->e), 0);
	fx->ops->close(fx->c);
	fx->c = NULL;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tl_put_file(fx->dir, "var/directory.csv", bad[i]);
		fx->c = fx->ops->open(&fx->cfg, &fx->cfg.targets[0], &fx->e);
		if (fx->c)
			fail_msg("opened: %s", bad[i]);
		assert_int_equal(fx->e.class, ERR_PERMANENT);
		tl_assert_contains(fx->e.msg, "var/directory.csv");
	}
}

static int
count(void *ctx, const struct conn_object *o)
{
	(void)o;
	(*(size_t *)ctx)++;
	return 0;
}

static void
list_visits_every_account(void **state)
{
	struct fixture *fx = *state;
	struct conn_request rq = ref("100002");
	size_t seen = 0;

	reopen(fx, 0);
	create(fx, "100001", 1, "employeeNumber", "100001", NULL);
	create(fx, "100002", 1, "employeeNumber", "100002", NULL);
	create(fx, "100003", 1, "employeeNumber", "100003", NULL);
	assert_int_equal(fx->ops->remove(fx->c, &rq, &fx->e), 0);
	assert_int_equal(fx->ops->list(fx->c, count, &seen, &fx->e), 0);
	assert_int_equal(seen, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(a_new_target_has_no_file_and_no_accounts),
		T(accounts_written_are_read_back_by_the_next_connector),
		T(hostile_values_survive_the_quoting),
		T(update_enable_remove_and_groups_keep_their_promises),
		T(a_second_create_of_the_same_account_is_a_conflict),
		T(file_puts_the_target_where_it_says),
		T(a_file_that_is_not_a_roster_target_is_refused_with_its_name),
		T(list_visits_every_account),
	};

	return cmocka_run_group_tests_name("connector_csv", tests, NULL, NULL);
}
