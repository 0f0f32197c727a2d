/* /api/v1/agents: list and create. */
#include "handlers.h"

/* GET /api/v1/agents. */
void h_list_agents(request *r)
{
	respond_call(r, 200, ST_LIST_AGENTS, 0, NULL);
}

/* POST /api/v1/agents: {name, company?, mode?}; answers the agent. */
void h_create_agent(request *r)
{
	static const body_field spec[] = {{"name", B_TEXT}, {"company", B_TEXT}, {"mode", B_TEXT}};

	respond_ingest(r, 201, spec, lengthof(spec), 0, ST_CREATE_AGENT);
}
