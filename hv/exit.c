/* The exit dispatcher: one table, built from hv/exit_kinds.h, gives each
 * exit kind its handler and its name; the count is taken here. */
#include "hv/exit.h"

BH_OVERRIDE_INIT_BEGIN
static exit_handler_fn *const handlers[EXIT_TABLE_SIZE] = {
    [0 ... EXIT_TABLE_SIZE - 1] = exit_unhandled,
#define X(kind, name, handler) [EXIT_##kind] = handler,
    EXIT_KINDS(X)
#undef X
};
BH_OVERRIDE_INIT_END

static const char *const names[EXIT_KIND_COUNT] = {
#define X(kind, name, handler) [EXIT_##kind] = name,
    EXIT_KINDS(X)
#undef X
};

const char *exit_kind_name(enum exit_kind k)
{
	return k < EXIT_KIND_COUNT ? names[k] : "?";
}

void exit_dispatch(struct vcpu *v, const struct exit_info *e)
{
	/* A kind no backend produces still lands in the tables: handled
	 * and counted as unhandled (vcpu_exits). */
	unsigned k = e->kind & (EXIT_TABLE_SIZE - 1);
	v->exits[k]++;
	phase_mark(v, PH_DISPATCH);
	handlers[k](v, e);
	phase_mark(v, PH_HANDLER);
}
