"""Expected status per route, method and role: the decisions ``tests/config/test_route_matrix.py`` checks.

Data table (exempt from the module-size rule). Reading guide: anonymous is refused at the door (302 to the
admin login, 401 from the API); compliance officers read everything and write nothing on cases (403 on
every case action; they decide disputes and templates); agency users act only inside their agency and,
once its licence lapsed, reach no case (404) and change nothing; payments need a supervisor (403 for
everyone else). Write cells are the answer to an empty body: 400 for a role that may write, 403 for one
that may not. Some writes need no body (accepting an offered plan, approving a waiver): the first role
allowed to do it gets 200 and the next ones 409 because the world moved, in ``ROLES`` order.
"""

from __future__ import annotations

ROLES = ("anonymous", "agent", "agency_agent", "supervisor", "compliance", "lapsed_agency_agent")

EXPECTED: dict[str, dict[str, dict[str, int]]] = {
    "": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/(?P<url>.*)$": {
        "GET": {
            "agency_agent": 404,
            "agent": 404,
            "anonymous": 302,
            "compliance": 404,
            "lapsed_agency_agent": 404,
            "supervisor": 404,
        }
    },
    "admin/^(?P<app_label>auth|authtoken|accounts|collections|notifications)/$": {
        "GET": {
            "agency_agent": 404,
            "agent": 404,
            "anonymous": 302,
            "compliance": 404,
            "lapsed_agency_agent": 404,
            "supervisor": 404,
        }
    },
    "admin/accounts/agency/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/accounts/agency/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/accounts/agency/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        }
    },
    "admin/accounts/agency/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/accounts/agency/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        }
    },
    "admin/accounts/agency/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/accounts/creditaccount/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/accounts/creditaccount/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/accounts/creditaccount/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        }
    },
    "admin/accounts/creditaccount/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/accounts/creditaccount/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        }
    },
    "admin/accounts/creditaccount/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/accounts/creditlimitchange/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/accounts/creditlimitchange/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/accounts/creditlimitchange/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        }
    },
    "admin/accounts/creditlimitchange/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/accounts/creditlimitchange/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        }
    },
    "admin/accounts/creditlimitchange/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/accounts/customer/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/accounts/customer/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/accounts/customer/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        }
    },
    "admin/accounts/customer/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/accounts/customer/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        }
    },
    "admin/accounts/customer/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/accounts/user/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/accounts/user/<id>/password/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/accounts/user/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/accounts/user/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 302,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        }
    },
    "admin/accounts/user/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/accounts/user/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 302,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        }
    },
    "admin/accounts/user/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/auth/group/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/auth/group/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/auth/group/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/auth/group/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/auth/group/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/auth/group/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/authtoken/tokenproxy/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/authtoken/tokenproxy/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/authtoken/tokenproxy/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/authtoken/tokenproxy/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/authtoken/tokenproxy/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/authtoken/tokenproxy/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/autocomplete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/auditevent/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 403,
            "supervisor": 200,
        }
    },
    "admin/collections/auditevent/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/auditevent/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 403,
            "supervisor": 200,
        }
    },
    "admin/collections/auditevent/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/auditevent/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        }
    },
    "admin/collections/auditevent/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/bureaurecord/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/collections/bureaurecord/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/bureaurecord/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/bureaurecord/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/bureaurecord/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/bureaurecord/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/casetask/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/collections/casetask/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/casetask/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/casetask/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/casetask/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/casetask/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/collectioncase/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/collections/collectioncase/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/collectioncase/<path:object_id>/assign/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        },
        "POST": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 302,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/cancel_promise/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        },
        "POST": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 302,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 404,
            "supervisor": 200,
        },
        "POST": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 404,
            "supervisor": 405,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/complete_task/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        },
        "POST": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 302,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/decide_waiver/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        },
        "POST": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 302,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        },
        "POST": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        },
        "POST": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/log_call/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        },
        "POST": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 302,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/offer_plan/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        },
        "POST": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 302,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/open_dispute/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        },
        "POST": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 302,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/place/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        },
        "POST": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 200,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/record_payment/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        },
        "POST": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 302,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/request_waiver/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        },
        "POST": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 302,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/restore_number/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        },
        "POST": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 404,
            "supervisor": 302,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/send_link/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        },
        "POST": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 302,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/send_notice/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        },
        "POST": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 302,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/take_promise/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        },
        "POST": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 302,
        },
    },
    "admin/collections/collectioncase/<path:object_id>/transition/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        },
        "POST": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 302,
        },
    },
    "admin/collections/collectioncase/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/contactattempt/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/collections/contactattempt/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/contactattempt/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/contactattempt/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/contactattempt/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/contactattempt/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/creditreportnotice/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/collections/creditreportnotice/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/creditreportnotice/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/creditreportnotice/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/creditreportnotice/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/creditreportnotice/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/delinquencysnapshot/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 403,
            "supervisor": 200,
        }
    },
    "admin/collections/delinquencysnapshot/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/delinquencysnapshot/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 403,
            "supervisor": 302,
        }
    },
    "admin/collections/delinquencysnapshot/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/delinquencysnapshot/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/delinquencysnapshot/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/dispute/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/collections/dispute/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/dispute/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        },
        "POST": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        },
    },
    "admin/collections/dispute/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        },
        "POST": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        },
    },
    "admin/collections/dispute/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        },
        "POST": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        },
    },
    "admin/collections/dispute/<path:object_id>/resolve/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 404,
            "supervisor": 200,
        },
        "POST": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 404,
            "supervisor": 200,
        },
    },
    "admin/collections/dispute/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/feewaiver/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/collections/feewaiver/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/feewaiver/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        }
    },
    "admin/collections/feewaiver/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/feewaiver/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        }
    },
    "admin/collections/feewaiver/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/limitchangeappeal/": {
        "GET": {
            "agency_agent": 403,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 403,
            "supervisor": 200,
        }
    },
    "admin/collections/limitchangeappeal/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/limitchangeappeal/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 403,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 403,
            "supervisor": 302,
        }
    },
    "admin/collections/limitchangeappeal/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/limitchangeappeal/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/limitchangeappeal/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/payment/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/collections/payment/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/payment/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/payment/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/payment/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/payment/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/queueentry/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/collections/queueentry/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/queueentry/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/queueentry/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/collections/queueentry/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/collections/queueentry/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/jsi18n/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/login/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 200,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/logout/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        }
    },
    "admin/notifications/notice/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/notifications/notice/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/notifications/notice/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        }
    },
    "admin/notifications/notice/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/notifications/notice/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 302,
            "supervisor": 200,
        }
    },
    "admin/notifications/notice/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/notifications/noticetemplate/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/notifications/noticetemplate/<path:object_id>/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "admin/notifications/noticetemplate/<path:object_id>/change/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/notifications/noticetemplate/<path:object_id>/delete/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/notifications/noticetemplate/<path:object_id>/history/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/notifications/noticetemplate/add/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "admin/password_change/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/password_change/done/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "admin/r/<path:content_type_id>/<path:object_id>/": {
        "GET": {
            "agency_agent": 404,
            "agent": 404,
            "anonymous": 302,
            "compliance": 404,
            "lapsed_agency_agent": 404,
            "supervisor": 404,
        }
    },
    "api/docs/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 200,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "api/schema/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 200,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "api/v1/accounts/<int:id>/limit-changes/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 401,
            "compliance": 200,
            "lapsed_agency_agent": 404,
            "supervisor": 200,
        },
        "POST": {
            "agency_agent": 400,
            "agent": 400,
            "anonymous": 401,
            "compliance": 400,
            "lapsed_agency_agent": 404,
            "supervisor": 400,
        },
    },
    "api/v1/auth/token/": {
        "POST": {
            "agency_agent": 400,
            "agent": 400,
            "anonymous": 400,
            "compliance": 400,
            "lapsed_agency_agent": 400,
            "supervisor": 400,
        }
    },
    "api/v1/cases/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 401,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "api/v1/cases/<int:id>/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 401,
            "compliance": 200,
            "lapsed_agency_agent": 404,
            "supervisor": 200,
        }
    },
    "api/v1/cases/<int:id>/contact-attempts/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 401,
            "compliance": 200,
            "lapsed_agency_agent": 404,
            "supervisor": 200,
        },
        "POST": {
            "agency_agent": 400,
            "agent": 400,
            "anonymous": 401,
            "compliance": 400,
            "lapsed_agency_agent": 400,
            "supervisor": 400,
        },
    },
    "api/v1/cases/<int:id>/credit-report/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 401,
            "compliance": 200,
            "lapsed_agency_agent": 404,
            "supervisor": 200,
        }
    },
    "api/v1/cases/<int:id>/credit-report/correct/": {
        "POST": {
            "agency_agent": 400,
            "agent": 400,
            "anonymous": 401,
            "compliance": 400,
            "lapsed_agency_agent": 404,
            "supervisor": 400,
        }
    },
    "api/v1/cases/<int:id>/disputes/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 401,
            "compliance": 200,
            "lapsed_agency_agent": 404,
            "supervisor": 200,
        },
        "POST": {
            "agency_agent": 400,
            "agent": 400,
            "anonymous": 401,
            "compliance": 400,
            "lapsed_agency_agent": 404,
            "supervisor": 400,
        },
    },
    "api/v1/cases/<int:id>/notices/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 401,
            "compliance": 200,
            "lapsed_agency_agent": 404,
            "supervisor": 200,
        },
        "POST": {
            "agency_agent": 400,
            "agent": 400,
            "anonymous": 401,
            "compliance": 400,
            "lapsed_agency_agent": 400,
            "supervisor": 400,
        },
    },
    "api/v1/cases/<int:id>/options/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 401,
            "compliance": 200,
            "lapsed_agency_agent": 404,
            "supervisor": 200,
        }
    },
    "api/v1/cases/<int:id>/plans/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 401,
            "compliance": 200,
            "lapsed_agency_agent": 404,
            "supervisor": 200,
        },
        "POST": {
            "agency_agent": 400,
            "agent": 400,
            "anonymous": 401,
            "compliance": 400,
            "lapsed_agency_agent": 404,
            "supervisor": 400,
        },
    },
    "api/v1/cases/<int:id>/promises/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 401,
            "compliance": 200,
            "lapsed_agency_agent": 404,
            "supervisor": 200,
        },
        "POST": {
            "agency_agent": 400,
            "agent": 400,
            "anonymous": 401,
            "compliance": 400,
            "lapsed_agency_agent": 404,
            "supervisor": 400,
        },
    },
    "api/v1/cases/<int:id>/transitions/": {
        "POST": {
            "agency_agent": 400,
            "agent": 400,
            "anonymous": 401,
            "compliance": 400,
            "lapsed_agency_agent": 400,
            "supervisor": 400,
        }
    },
    "api/v1/cases/<int:id>/waivers/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 401,
            "compliance": 200,
            "lapsed_agency_agent": 404,
            "supervisor": 200,
        },
        "POST": {
            "agency_agent": 400,
            "agent": 400,
            "anonymous": 401,
            "compliance": 400,
            "lapsed_agency_agent": 404,
            "supervisor": 400,
        },
    },
    "api/v1/disputes/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 401,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "api/v1/disputes/<int:id>/resolve/": {
        "POST": {
            "agency_agent": 400,
            "agent": 400,
            "anonymous": 401,
            "compliance": 400,
            "lapsed_agency_agent": 404,
            "supervisor": 400,
        }
    },
    "api/v1/limit-changes/<int:id>/appeal/": {
        "POST": {
            "agency_agent": 400,
            "agent": 400,
            "anonymous": 401,
            "compliance": 400,
            "lapsed_agency_agent": 404,
            "supervisor": 400,
        }
    },
    "api/v1/limit-changes/<int:id>/review/": {
        "POST": {
            "agency_agent": 400,
            "agent": 400,
            "anonymous": 401,
            "compliance": 400,
            "lapsed_agency_agent": 404,
            "supervisor": 400,
        }
    },
    "api/v1/limit-changes/appeals/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 401,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "api/v1/payments/": {
        "POST": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 401,
            "compliance": 403,
            "lapsed_agency_agent": 403,
            "supervisor": 400,
        }
    },
    "api/v1/plans/<int:id>/accept/": {
        "POST": {
            "agency_agent": 409,
            "agent": 200,
            "anonymous": 401,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 409,
        }
    },
    "api/v1/plans/<int:id>/cancel/": {
        "POST": {
            "agency_agent": 409,
            "agent": 409,
            "anonymous": 401,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 409,
        }
    },
    "api/v1/plans/<int:id>/withdraw/": {
        "POST": {
            "agency_agent": 409,
            "agent": 200,
            "anonymous": 401,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 409,
        }
    },
    "api/v1/promises/<int:id>/cancel/": {
        "POST": {
            "agency_agent": 404,
            "agent": 404,
            "anonymous": 401,
            "compliance": 404,
            "lapsed_agency_agent": 404,
            "supervisor": 404,
        }
    },
    "api/v1/waivers/<int:id>/approve/": {
        "POST": {
            "agency_agent": 409,
            "agent": 200,
            "anonymous": 401,
            "compliance": 403,
            "lapsed_agency_agent": 404,
            "supervisor": 409,
        }
    },
    "api/v1/waivers/<int:id>/reject/": {
        "POST": {
            "agency_agent": 400,
            "agent": 400,
            "anonymous": 401,
            "compliance": 400,
            "lapsed_agency_agent": 404,
            "supervisor": 400,
        }
    },
    "compliance/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "compliance/agencies/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "compliance/audit/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "compliance/audit/export/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "compliance/audit/verify/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        },
        "POST": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        },
    },
    "compliance/cases/<int:case_id>/timeline/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "compliance/reports/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "compliance/reports/<slug:slug>/export.csv": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 404,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "compliance/reports/<slug:slug>/export.xlsx": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 404,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "compliance/retention/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "compliance/templates/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "compliance/templates/<int:template_id>/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "compliance/templates/<int:template_id>/approve/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        },
        "POST": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        },
    },
    "compliance/templates/<int:template_id>/reject/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 405,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        },
        "POST": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        },
    },
    "compliance/templates/new/": {
        "GET": {
            "agency_agent": 403,
            "agent": 403,
            "anonymous": 302,
            "compliance": 200,
            "lapsed_agency_agent": 403,
            "supervisor": 403,
        }
    },
    "healthz": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 200,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "metrics": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 200,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "n/<str:token>/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 200,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "n/<str:token>/accept/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 405,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        }
    },
    "n/<str:token>/callback/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 405,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        }
    },
    "n/<str:token>/complaint/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 405,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        }
    },
    "n/<str:token>/dispute/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 405,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        }
    },
    "n/<str:token>/hardship/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 405,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        }
    },
    "n/<str:token>/leave/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 405,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        }
    },
    "n/<str:token>/limit-change/<int:change_id>/appeal/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 405,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        }
    },
    "n/<str:token>/new-link/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 405,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        }
    },
    "n/<str:token>/not-me/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 405,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        }
    },
    "n/<str:token>/opt-out/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 405,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        }
    },
    "n/<str:token>/pay/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 405,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        }
    },
    "n/<str:token>/promise/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 405,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        }
    },
    "n/<str:token>/review/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "n/<str:token>/verify/": {
        "GET": {
            "agency_agent": 302,
            "agent": 302,
            "anonymous": 302,
            "compliance": 302,
            "lapsed_agency_agent": 302,
            "supervisor": 302,
        }
    },
    "n/<str:token>/withdraw/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 405,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        }
    },
    "o/<str:token>/": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 200,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
    "payments/test/<str:reference>/": {
        "GET": {
            "agency_agent": 404,
            "agent": 404,
            "anonymous": 404,
            "compliance": 404,
            "lapsed_agency_agent": 404,
            "supervisor": 404,
        }
    },
    "payments/webhook/<str:provider>/": {
        "GET": {
            "agency_agent": 405,
            "agent": 405,
            "anonymous": 405,
            "compliance": 405,
            "lapsed_agency_agent": 405,
            "supervisor": 405,
        }
    },
    "readyz": {
        "GET": {
            "agency_agent": 200,
            "agent": 200,
            "anonymous": 200,
            "compliance": 200,
            "lapsed_agency_agent": 200,
            "supervisor": 200,
        }
    },
}
