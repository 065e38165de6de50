/* The exit dispatcher: one table, built from hv/exit_kinds.h, gives each
 * exit kind its handler and its name; the count is taken here. */
#include "hv/exit.h"

static exit_handler_fn *const handlers[EXIT_KIND_COUNT] = {
#define X(kind, name, handler) [EXIT_##kind] = handler,
    EXIT_KINDS(X)
#undef X
};

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
	enum exit_kind k = e->kind < EXIT_KIND_COUNT ? e->kind : EXIT_UNHANDLED;
	v->exits[k]++;
	phase_mark(v, PH_DISPATCH);
	handlers[k](v, e);
	phase_mark(v, PH_HANDLER);
}
