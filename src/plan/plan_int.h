/* Inside plan/: what plan.c and plan_out.c share. */
#ifndef ROSTER_PLAN_INT_H
#define ROSTER_PLAN_INT_H

#include "plan/plan.h"
#include "util/buf.h"

/* A reason as a JSON object / as words, appended to out. */
void plan_reason_json(const struct plan_reason *r, struct buf *out);
void plan_reason_text(const struct plan_reason *r, struct buf *out);

#endif
