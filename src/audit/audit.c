/* Placeholder while audit.c is written (issue "apply"): every call fails. */
#include "audit/audit.h"
#include "util/banned.h"

int
audit_append(struct vault *v, struct audit_event *ev, struct err *e)
{
	(void)v;
	(void)ev;
	return err_set(e, ERR_INTERNAL, "the audit log is not written yet");
}

int
audit_read(struct vault *v, const struct audit_filter *f, int (*each)(void *ctx, const struct audit_event *ev),
	   void *ctx, struct err *e)
{
	(void)v;
	(void)f;
	(void)each;
	(void)ctx;
	return err_set(e, ERR_INTERNAL, "the audit log is not written yet");
}

int
audit_verify(struct vault *v, size_t *nevents, struct err *e)
{
	(void)v;
	*nevents = 0;
	return err_set(e, ERR_INTERNAL, "the audit log is not written yet");
}
