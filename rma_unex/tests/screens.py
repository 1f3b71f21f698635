"""The web client's side of a screen, in Python: what the role × screen walk
(test_screens.py) does as each user.

For one user, ``ScreenWalker`` does what the web client does when that user
clicks through the product: it loads the menus, loads each menu's action,
loads its views with ``get_views``, reads the records with the specification
the web client builds from each view's arch (``web_search_read``,
``web_read_group``, ``web_read``, ``onchange`` for a new record), applies the
search view's filters, and presses every button the user sees on every record
(header, smart buttons, rows of the embedded lists, the Print and Action
menus) in a savepoint that is rolled back. Actions a button returns are
opened the same way. Whatever is not a plain refusal (``UserError`` /
``ValidationError`` with a message) is recorded as a failure: an access
error, a traceback, an empty message, a button shown in a state its
lifecycle table refuses.
"""

import ast
import datetime
import itertools
import traceback

from lxml import etree

from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.tools import safe_eval as safe

from odoo.addons.mail.tools.discuss import Store
from odoo.addons.web.controllers.utils import clean_action

safe_eval = safe.safe_eval

# Fields a widget reads on its own record besides its field (the JS widgets'
# ``fieldDependencies`` in Odoo 18's web, mail, stock, account and analytic).
_ACTIVITY_FIELDS = (
    "activity_exception_decoration",
    "activity_exception_icon",
    "activity_state",
    "activity_summary",
    "activity_type_icon",
    "activity_type_id",
)
WIDGET_DEPENDENCIES = {
    "list_activity": _ACTIVITY_FIELDS,
    "kanban_activity": _ACTIVITY_FIELDS,
    "activity_exception": ("activity_exception_icon",),
    "image": ("write_date",),
    "signature": ("write_date",),
    "statusbar_duration": ("duration_tracking",),
    "analytic_distribution": ("analytic_precision",),
    "pick_from": ("location_id", "location_dest_id", "package_id", "owner_id"),
    "account_file_uploader": ("id", "type"),
    "week_days": ("sun", "mon", "tue", "wed", "thu", "fri", "sat"),
}
# What the chatter of a form asks /mail/thread/data for.
CHATTER_REQUESTS = [
    "activities",
    "attachments",
    "followers",
    "scheduledMessages",
    "suggestedRecipients",
]
LIST_LIMIT = 80
# One line per walk (role, menus, screens, records, buttons, failures),
# printed at the end of the pytest run (scripts/pytest_noskip.py).
SUMMARY = []
KANBAN_LIMIT = 40
X2MANY_LIMIT = 40


class _Rollback(Exception):
    """Raised inside a savepoint to undo what a pressed button did."""

    def __init__(self, result):
        super().__init__()
        self.result = result


def related_fields(widget, options):
    """Fields an x2many widget reads on its records (JS ``relatedFields``)."""
    if widget == "many2many_binary":
        return ["name", "mimetype"]
    if widget == "x2many_buttons":
        return ["display_name"]
    if widget and widget.startswith("many2many_tags"):
        fields = ["display_name"]
        if options.get("color_field"):
            fields.append(options["color_field"])
        if widget == "many2many_tags_email":
            fields.append("email")
        return fields
    return None


def _options(node):
    try:
        return ast.literal_eval(node.get("options") or "{}")
    except (ValueError, SyntaxError):
        return {}


def _always_invisible(node):
    return (node.get("invisible") or node.get("column_invisible")) in ("1", "True")


def level_nodes(root, tag):
    """``tag`` nodes of this view, not those of the views embedded in fields."""
    for node in root.iter(tag):
        parent = node.getparent()
        inside_field = False
        while parent is not None and parent is not root:
            if parent.tag == "field":
                inside_field = True
                break
            parent = parent.getparent()
        if not inside_field:
            yield node


def subview(field_node):
    """The embedded list or kanban the web client shows for an x2many."""
    views = {
        child.tag: child for child in field_node if child.tag in ("list", "kanban")
    }
    mode = (field_node.get("mode") or "").split(",")[0]
    for view_type in (mode, "list", "kanban"):
        if views.get(view_type) is not None:
            return views[view_type]
    return None


def fields_spec(root, models, model):
    """The ``web_read`` specification the web client derives from an arch
    (``getFieldsSpec`` of Odoo 18's relational model)."""
    fields = models[model]["fields"]
    spec = {}
    for node in level_nodes(root, "field"):
        name = node.get("name")
        info = fields.get(name)
        if not info:
            continue
        widget = node.get("widget")
        spec.setdefault(name, {})
        invisible = _always_invisible(node)
        if info["type"] in ("many2one", "reference") and not invisible:
            spec[name] = {"fields": {"display_name": {}}}
        elif info["type"] in ("one2many", "many2many") and not invisible:
            related = related_fields(widget, _options(node))
            view = subview(node)
            if related:
                sub = {fname: {} for fname in related}
                spec[name] = {"fields": sub, "limit": X2MANY_LIMIT}
            elif view is not None:
                sub = fields_spec(view, models, info["relation"])
                limit = int(view.get("limit") or X2MANY_LIMIT)
                spec[name] = {"fields": sub, "limit": limit}
                if view.get("default_order"):
                    spec[name]["order"] = view.get("default_order")
        for dependency in WIDGET_DEPENDENCIES.get(widget, ()):
            if dependency in fields:
                spec.setdefault(dependency, {})
    for node in level_nodes(root, "widget"):
        for dependency in WIDGET_DEPENDENCIES.get(node.get("name"), ()):
            if dependency in fields:
                spec.setdefault(dependency, {})
    return spec


def eval_values(values, fields):
    """A record as the web client's expression context sees it: many2one as
    an id, x2many as a list of ids."""
    result = {}
    for name, value in values.items():
        ftype = fields.get(name, {}).get("type")
        if ftype == "many2one" and isinstance(value, dict):
            value = value.get("id")
        elif ftype in ("one2many", "many2many") and isinstance(value, list):
            value = [v["id"] if isinstance(v, dict) else v for v in value]
        result[name] = value
    return result


class _Parent:
    """``parent.field`` in the expressions of an embedded list."""

    def __init__(self, values):
        self._values = values

    def __getattr__(self, name):
        return self._values.get(name, False)


class ScreenWalker:
    """Walk the product's screens as ``user``; see the module docstring."""

    def __init__(self, env, role, transitions=None, max_records=3):
        self.env = env  # an environment of the walking user
        self.role = role
        # {model: callable(button name, record values, in header) -> allowed,
        # or None when no lifecycle table knows the button}
        self.transitions = transitions or {}
        self.max_records = max_records
        self.failures = []
        self.screens = set()
        self.records = set()
        self.buttons = 0
        self.reports = 0

    # Helpers ----------------------------------------------------------

    def _fail(self, where, error):
        self.failures.append(f"[{self.role}] {where}: {error}")

    def _context(self, extra=None):
        context = dict(self.env.context, bin_size=True)
        context.update(extra or {})
        return context

    def _eval_context(self, values=None, context=None):
        today = datetime.date.today()
        user = self.env.user
        return {
            **(values or {}),
            "context": context or {},
            "uid": user.id,
            "user": user,
            "today": today.isoformat(),
            "now": datetime.datetime.now().isoformat(" "),
            "context_today": lambda: today,
            "current_date": today.isoformat(),
            "datetime": safe.datetime,
            "relativedelta": safe.dateutil.relativedelta.relativedelta,
            "time": safe.time,
            "allowed_company_ids": user.company_ids.ids,
            "current_company_id": self.env.company.id,
            "company_id": self.env.company.id,
            "True": True,
            "False": False,
            "None": None,
        }

    def _eval(self, expr, values=None, context=None, default=None):
        if expr in (None, ""):
            return default
        return safe_eval(expr, self._eval_context(values, context))

    def _guard(self, where, func):
        """Run ``func``; a refusal that says why is fine, anything else fails."""
        try:
            return func()
        except (UserError, ValidationError) as error:
            if (
                isinstance(error, AccessError | MissingError)
                or not str(error.args[0]).strip()
            ):
                self._fail(where, _describe(error))
        except Exception as error:  # noqa: BLE001 - every other error is a finding
            self._fail(where, _describe(error))
        return None

    def _in_savepoint(self, where, func):
        """Press a button and undo it; return what it returned."""
        env = self.env

        def run():
            try:
                with env.cr.savepoint():
                    raise _Rollback(func())
            except _Rollback as done:
                return done.result
            finally:
                env.invalidate_all()

        try:
            return self._guard(where, run)
        finally:
            env.invalidate_all()

    # Menus and actions ----------------------------------------------------

    def menus(self, in_scope):
        """(path, action reference) of the menus the user sees, for the menus
        ``in_scope(xmlid, action)`` accepts (or whose parent it accepted)."""
        menus = self.env["ir.ui.menu"].load_menus(debug=False)
        result = []

        def visit(menu_id, path, accepted):
            menu = menus[menu_id]
            label = f"{path} › {menu['name']}" if path else menu["name"]
            accepted = accepted or in_scope(menu.get("xmlid"), menu.get("action"))
            if accepted and menu.get("action"):
                result.append((label, menu["action"]))
            for child in menu["children"]:
                visit(child, label, accepted)

        for root_id in menus["root"]["children"]:
            visit(root_id, "", False)
        return result

    def load_action(self, reference, context=None):
        """What /web/action/load returns for ``model,id``, an xml id or an id."""
        Actions = self.env["ir.actions.actions"]
        if isinstance(reference, str) and "," in reference:
            action_type, action_id = reference.split(",")
            action_id = int(action_id)
        else:
            if isinstance(reference, str) and not reference.isdigit():
                action_id = self.env.ref(reference).id
            else:
                action_id = int(reference)
            # sudo: as /web/action/load, to read the type of the action
            action_type = Actions.sudo().browse(action_id).type
        env = self.env(context=self._context(context))
        action = env[action_type].sudo().browse(action_id)
        if action_type == "ir.actions.act_window":
            return clean_action(action._get_action_dict(), env=env)
        return clean_action(action.read()[0], env=env)

    def open_action(self, where, action, depth=1, active=None):
        """Open an action dict as the web client would, and walk its views;
        ``active`` is the context of the record whose button opened it."""
        if not isinstance(action, dict):
            return
        if action.get("type") == "ir.actions.act_window_close":
            return
        if action.get("type") == "ir.actions.server":
            self._guard(where, lambda: self.run_server_action(where, action, active))
            return
        if action.get("type") != "ir.actions.act_window" or not action.get("res_model"):
            return
        self._guard(where, lambda: self._open_window(where, action, depth, active))

    def run_server_action(self, where, action, active=None):
        """/web/action/run, with the selected records as active ones."""
        context = self._action_context(action, active)
        server = self.env["ir.actions.server"].with_context(**context)
        result = server.browse(action["id"]).run()
        if isinstance(result, dict):
            self.open_action(f"{where} →", clean_action(result, env=server.env), 0)

    def _action_context(self, action, active=None):
        active = active or {}
        context = action.get("context") or {}
        if isinstance(context, str):
            context = self._eval(context, values=active, context=active, default={})
        return self._context(dict(active, **context))

    def _action_domain(self, action, context):
        domain = action.get("domain") or []
        if isinstance(domain, str):
            domain = self._eval(domain, context=context, values=context, default=[])
        return list(domain)

    def _open_window(self, where, action, depth, active=None):
        model = action["res_model"]
        context = self._action_context(action, active)
        Model = self.env[model].with_context(**context)
        views = []
        for view_id, view_type in action.get("views") or []:
            views.append(
                (view_id[0] if isinstance(view_id, list) else view_id, view_type)
            )
        if not views:
            modes = (action.get("view_mode") or "list,form").split(",")
            views = [(False, mode) for mode in modes]
        if "search" not in {view_type for _view_id, view_type in views}:
            search = action.get("search_view_id")
            views.append((search[0] if isinstance(search, list) else search, "search"))
        result = Model.get_views(
            views,
            {"action_id": action.get("id"), "toolbar": True, "load_filters": True},
        )
        domain = self._action_domain(action, context)
        if action.get("res_id"):
            records = Model.browse(action["res_id"])
        elif views[0][1] == "form":
            records = None  # a new record: a wizard or a creation form
        else:
            records = self.sample_records(Model, domain, depth)
        for view_type, view in result["views"].items():
            screen = f"{where} [{model} {view_type}]"
            self.screens.add((model, view_type, view.get("id")))
            arch = etree.fromstring(view["arch"])
            if view_type == "form":
                self._walk_form(
                    screen, Model, arch, result["models"], view, records, depth
                )
            else:
                self._guard(
                    screen,
                    lambda vt=view_type, arch=arch, view=view, screen=screen: (
                        self._walk_multi(
                            screen, vt, Model, arch, result["models"], domain, view
                        )
                    ),
                )

    # Views ----------------------------------------------------------------

    def _walk_multi(self, where, view_type, Model, arch, models, domain, view):
        if view_type in ("list", "kanban"):
            self._read_list(view_type, Model, arch, models, domain)
        elif view_type in ("pivot", "graph"):
            self._read_grouped(Model, arch, domain)
        elif view_type == "calendar":
            self._read_calendar(Model, arch, domain)
        elif view_type == "activity":
            self._read_activity(Model, arch, models, domain)
        elif view_type == "search":
            self._apply_filters(where, Model, arch, domain)

    def _read_list(self, view_type, Model, arch, models, domain):
        spec = fields_spec(arch, models, Model._name)
        default = LIST_LIMIT if view_type == "list" else KANBAN_LIMIT
        limit = int(arch.get("limit") or default)
        order = arch.get("default_order") or None
        group_by = arch.get("default_group_by")
        if group_by:
            groups = Model.web_read_group(domain, [], [group_by], limit=limit)
            for group in groups["groups"]:
                Model.web_search_read(
                    group.get("__domain", domain), spec, limit=limit, order=order
                )
        Model.web_search_read(domain, spec, limit=limit, order=order, count_limit=10001)

    def _read_grouped(self, Model, arch, domain):
        measures, groupby = [], []
        for node in arch.iter("field"):
            kind, name = node.get("type"), node.get("name")
            if name not in Model._fields:
                continue
            if kind == "measure":
                measures.append(f"{name}:sum")
            elif kind in ("row", "col") or (kind is None and arch.tag == "graph"):
                interval = node.get("interval")
                groupby.append(f"{name}:{interval}" if interval else name)
        Model.read_group(domain, measures, groupby[:2], lazy=False)

    def _read_calendar(self, Model, arch, domain):
        names = [n.get("name") for n in arch.iter("field")]
        names += [arch.get(a) for a in ("date_start", "date_stop") if arch.get(a)]
        Model.search_read(domain, [n for n in names if n in Model._fields], limit=200)

    def _read_activity(self, Model, arch, models, domain):
        self.env["mail.activity"].get_activity_data(Model._name, domain)
        Model.web_search_read(domain, fields_spec(arch, models, Model._name), limit=40)

    def _apply_filters(self, where, Model, arch, domain):
        """Click every filter and group-by, search every field, of a search view."""
        for node in arch.iter("filter"):
            label = node.get("string") or node.get("name")
            if node.get("domain"):
                extra = self._eval(node.get("domain"), default=[])
                self._guard(
                    f"{where} filter “{label}”",
                    lambda extra=extra: Model.search_count(domain + list(extra)),
                )
            group_by = (self._eval(node.get("context"), default={}) or {}).get(
                "group_by"
            )
            if group_by:
                group_by = group_by if isinstance(group_by, list) else [group_by]
                self._guard(
                    f"{where} group by “{label}”",
                    lambda group_by=group_by: Model.read_group(
                        domain, [], group_by[:1], lazy=True
                    ),
                )
        for node in arch.iter("field"):
            search = self._field_search(Model, node)
            if search is None:
                continue
            self._guard(
                f"{where} search “{node.get('string') or node.get('name')}”",
                lambda search=search: Model.search_count(domain + list(search)),
            )

    def _field_search(self, Model, node):
        """The domain of typing a text in the search bar for this field."""
        name = node.get("name")
        field = Model._fields.get(name)
        if field is None:
            return None
        if node.get("filter_domain"):
            return self._eval(
                node.get("filter_domain"), values={"self": "X1"}, default=[]
            )
        if field.type in ("date", "datetime", "boolean", "binary", "properties"):
            return None
        if field.type in ("integer", "float", "monetary"):
            return [(name, "=", 1)]
        if field.type == "selection":
            values = field._description_selection(Model.env)
            return [(name, "=", values[0][0])] if values else None
        return [(name, node.get("operator") or "ilike", "X1")]

    # Forms and buttons -------------------------------------------------------

    def sample_records(self, Model, domain, depth=1):
        """Records to open: one in each state the user can find, or a few."""
        state = Model._fields.get(getattr(Model, "_rma_state_field", "state"))
        if state is None or state.type != "selection" or not depth:
            return Model.search(domain, limit=self.max_records)
        records = Model.browse()
        for value, _label in state._description_selection(Model.env):
            records |= Model.search(domain + [(state.name, "=", value)], limit=1)
        return records

    def _walk_form(self, where, Model, arch, models, view, records, depth):
        spec = fields_spec(arch, models, Model._name)
        if records is None:
            # no record: the web client starts a new one from its defaults
            self._guard(where, lambda: Model.onchange({}, [], spec))
            return
        for record in records:
            self.records.add((record._name, record.id))
            screen = f"{where} {record._name}({record.id})"
            values = self._guard(screen, lambda record=record: record.web_read(spec))
            if not values:
                continue
            if "message_ids" in record._fields:
                self._guard(screen, lambda record=record: self._read_chatter(record))
            if depth:
                self._press_buttons(where, record, arch, models, values[0], view)

    def _read_chatter(self, record):
        """What the chatter of a form loads (/mail/thread/data and messages)."""
        thread = record._get_thread_with_access(record.id)
        if not thread:
            raise RuntimeError(f"the chatter of {record} is not readable")
        Store(thread, as_thread=True, request_list=CHATTER_REQUESTS).get_result()
        result = self.env["mail.message"]._message_fetch(
            [
                ("res_id", "=", record.id),
                ("model", "=", record._name),
                ("message_type", "!=", "user_notification"),
            ],
            limit=30,
        )
        Store(result["messages"], for_current_user=True).get_result()

    def _invisible(self, node, root, values, context):
        """The node's own ``invisible``, or that of an enclosing node."""
        stop = root.getparent()
        while node is not None and node is not stop:
            expr = node.get("invisible") or node.get("column_invisible")
            if expr and self._eval(expr, values, context, default=False):
                return True
            node = node.getparent()
        return False

    def _press_buttons(self, where, record, arch, models, values, view):
        fields = models[record._name]["fields"]
        evalues = dict(eval_values(values, fields), id=record.id)
        context = self._context()
        for node in level_nodes(arch, "button"):
            if node.get("type") not in ("object", "action") or not node.get("name"):
                continue
            if not self._invisible(node, arch, evalues, context):
                self._press(where, record, node, evalues, in_header=_in_header(node))
        for field_node in level_nodes(arch, "field"):
            self._press_row_buttons(
                where, field_node, arch, models, fields, values, evalues
            )
        for report in (view.get("toolbar") or {}).get("print", []):
            self._print(where, record, report)
        for item in (view.get("toolbar") or {}).get("action", []):
            self._run_bound(where, record, item)

    def _press_row_buttons(
        self, where, field_node, arch, models, fields, values, evalues
    ):
        """The buttons of the rows of an embedded list, with ``parent``."""
        name = field_node.get("name")
        info = fields.get(name, {})
        view_node = subview(field_node)
        if info.get("type") not in ("one2many", "many2many") or view_node is None:
            return
        context = self._context()
        if _always_invisible(field_node) or self._invisible(
            field_node, arch, evalues, context
        ):
            return
        sub_fields = models.get(info["relation"], {}).get("fields", {})
        for row in (values.get(name) or [])[:X2MANY_LIMIT]:
            if not isinstance(row, dict):
                continue
            row_values = dict(eval_values(row, sub_fields), parent=_Parent(evalues))
            row_record = self.env[info["relation"]].browse(row["id"])
            for node in level_nodes(view_node, "button"):
                if node.get("type") not in ("object", "action"):
                    continue
                if not self._invisible(node, view_node, row_values, context):
                    self._press(f"{where} › {name}", row_record, node, row_values)

    def _press(self, where, record, node, values, in_header=False):
        name = node.get("name")
        where = f"{where} {record._name}({record.id}) “{node.get('string') or name}”"
        self.buttons += 1
        allowed = self.transitions.get(record._name)
        if allowed and allowed(name, values, in_header) is False:
            self._fail(where, "shown in a state its lifecycle table refuses")
            return
        context = self._context(self._eval(node.get("context"), values, default={}))
        context.update(self._active(record))

        def press():
            if node.get("type") == "object":
                if name.startswith("_"):
                    raise RuntimeError(f"{name} is private: no button can call it")
                result = getattr(record.with_context(**context), name)()
                active = None
            else:
                result = self.load_action(name, context)
                active = context  # the record's context goes with the action
            if isinstance(result, dict):
                # what the button opens, before its changes are undone
                self.open_action(f"{where} →", result, depth=0, active=active)
            return result

        self._in_savepoint(where, press)

    @staticmethod
    def _active(record):
        """The context the web client gives the actions of a record."""
        return {
            "active_id": record.id,
            "active_ids": record.ids,
            "active_model": record._name,
        }

    def _open_bound(self, where, record, item):
        """Load an action of the Print or Action menu for ``record`` and open
        it, unless it is a report (returned, to be rendered)."""
        active = self._active(record)
        action = self._guard(where, lambda: self.load_action(item["id"], active))
        if not isinstance(action, dict) or action.get("type") == "ir.actions.report":
            return action
        self._in_savepoint(
            where, lambda: self.open_action(where, action, depth=0, active=active)
        )
        return None

    def _print(self, where, record, item):
        """An entry of the Print menu: a report, or an action bound as one."""
        where = f"{where} {record._name}({record.id}) Print › {item.get('name')}"
        self.reports += 1
        action = self._open_bound(where, record, item)
        if not action:
            return
        active = self._active(record)

        def render():
            Report = self.env["ir.actions.report"].with_context(**self._context(active))
            if action.get("report_type") == "xlsx":
                xlsx = Report.env[f"report.{action['report_name']}"]
                return xlsx.create_xlsx_report(record.ids, {})
            return Report._render_qweb_html(action["report_name"], record.ids)

        self._in_savepoint(where, render)

    def _run_bound(self, where, record, item):
        where = f"{where} {record._name}({record.id}) Action › {item.get('name')}"
        self.buttons += 1
        self._open_bound(where, record, item)

    # The walk ---------------------------------------------------------------

    def walk(self, in_scope):
        """Every menu ``in_scope`` accepts, every view, record and button."""
        menus = self.menus(in_scope)
        for label, reference in menus:
            action = self._guard(
                label, lambda reference=reference: self.load_action(reference)
            )
            if action:
                self.open_action(label, action, depth=1)
        return menus


def _describe(error):
    """The error's first line and where it was raised (the last frames)."""
    message = str(error).split("\n\n")[0]
    frames = traceback.extract_tb(error.__traceback__)[-3:]
    where = " < ".join(
        f"{f.filename.split('/')[-1]}:{f.lineno} {f.name}" for f in frames
    )
    return f"{type(error).__name__}: {message} [{where}]"


def _in_header(node):
    parent = node.getparent()
    while parent is not None:
        if parent.tag == "header":
            return True
        parent = parent.getparent()
    return False


def possible_visibility(expr, state_name, state, names_values):
    """Whether ``expr`` (an ``invisible`` expression) leaves its node visible
    for at least one combination of the other names' values."""
    names = sorted(
        {
            n.id
            for n in ast.walk(ast.parse(expr, mode="eval"))
            if isinstance(n, ast.Name) and n.id not in (state_name, "True", "False")
        }
    )
    choices = [names_values.get(n, (False, True)) for n in names]
    for combo in itertools.product(*choices):
        values = dict(zip(names, combo, strict=True), **{state_name: state})
        if not safe_eval(expr, values):
            return True
    return False
