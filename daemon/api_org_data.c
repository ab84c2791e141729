/* api_org_data: an organisation's data, for its rights of access
 * (GET /v1/oscs/{id}/export) and erasure (POST /v1/oscs/{id}/forget).
 * See schemas/control-api.yaml; the rules are org_data.c's. */
#include <errno.h>
#include <jansson.h>

#include "api.h"
#include "api_internal.h"
#include "org_data.h"
#include "store.h"
#include "view_org_data.h"

void
api_osc_export(struct api_call *call)
{
	struct office of = api_office(call);
	struct org_data d;
	char why[512];
	struct osc o;
	json_t *j;
	int rc;

	if (api_osc_load(call, &o) < 0)
		return;
	rc = org_data_export(&of, call->req->peer_uid, &o, &d, why, sizeof why);
	if (rc < 0) {
		api_domain_error(call, rc, why);
		osc_fini(&o);
		return;
	}
	if ((j = view_org_data(&d)) == NULL)
		api_error(call, 500, "out of memory");
	else
		api_reply_json(call, 200, j);
	org_data_fini(&d);
	osc_fini(&o);
}

void
api_osc_forget(struct api_call *call)
{
	struct office of = api_office(call);
	struct org_forget_report r;
	char why[512];
	struct osc o;
	int rc;

	if (api_osc_load(call, &o) < 0)
		return;
	rc = org_data_forget(&of, call->req->peer_uid, &o, &r, why, sizeof why);
	if (rc < 0)
		api_domain_error(call, rc, why);
	else
		api_reply_json(call, 200, view_org_forget(&r));
	osc_fini(&o);
}
