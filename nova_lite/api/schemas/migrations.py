"""Query schemas of GET /os-migrations (Nova's, per microversion)."""

import copy

from nova_lite.api import validation

_string = validation.query_param({"type": "string"})
_one_string = validation.single_query_param({"type": "string"})

list_query = {
    "type": "object",
    "properties": {
        "hidden": _string,
        "host": _string,
        "instance_uuid": _string,
        "source_compute": _string,
        "status": _string,
        "migration_type": _string,
    },
    "additionalProperties": True,
}

# 2.59: paging and changes-since; nothing unknown any more.
list_query_v259 = copy.deepcopy(list_query)
list_query_v259["properties"].update(
    {
        "limit": validation.single_query_param(validation.non_negative_integer),
        "marker": _one_string,
        "changes-since": _one_string,
    }
)
list_query_v259["additionalProperties"] = False

# 2.66: changes-before.
list_query_v266 = copy.deepcopy(list_query_v259)
list_query_v266["properties"]["changes-before"] = _one_string

# 2.80: filters by user and project.
list_query_v280 = copy.deepcopy(list_query_v266)
list_query_v280["properties"].update(user_id=_one_string, project_id=_one_string)
