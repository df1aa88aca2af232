"""Web forms: every field labelled, errors in the user's language."""

from django import forms
from django.core import validators
from django.utils.translation import gettext_lazy as _

from serviceloop.accounts.models import User
from serviceloop.core import bounds
from serviceloop.core.errors import ServiceError
from serviceloop.tickets.choices import (
    BusinessStop,
    Channel,
    CommunicationChannel,
    CoreAnswer,
    NoteType,
    Reach,
    Status,
    SubStatus,
)
from serviceloop.tickets.models import AFFECTED_USERS_MAX
from serviceloop.tickets.priority import urgency_from_answers


class LoginForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150,
                               widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}))
    password = forms.CharField(label=_("Password"), max_length=200, strip=False,
                               widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class ReplyForm(forms.Form):
    prefix = "reply"  # several forms share the ticket page: field ids must not clash
    body = forms.CharField(
        label=_("Reply to the customer"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )


class NoteForm(forms.Form):
    prefix = "note"  # several forms share the ticket page: field ids must not clash
    note_type = forms.ChoiceField(label=_("Kind of note"), choices=NoteType.choices)
    body = forms.CharField(
        label=_("Internal note"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CommunicationForm(forms.Form):
    prefix = "comm"  # several forms share the ticket page: field ids must not clash
    channel = forms.ChoiceField(label=_("Channel"), choices=CommunicationChannel.choices)
    customer_feedback = forms.CharField(label=_("Customer feedback"), max_length=5000,
                                        widget=forms.Textarea(attrs={"rows": 2}))
    next_step = forms.CharField(label=_("Next step"), max_length=5000, required=False)


class TransitionForm(forms.Form):
    prefix = "status"  # several forms share the ticket page: field ids must not clash
    status = forms.ChoiceField(label=_("New status"), choices=())
    sub_status = forms.ChoiceField(label=_("Sub-status"), choices=(), required=False)
    pending_until = bounds.DateField(label=_("Expected release date"), required=False,
                                    widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("Note"), max_length=5000, required=False)

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        # 已解决 has its own form (ResolveForm): a root cause and the customer's result are required.
        self.fields["status"].choices = [(s, Status(s).label) for s in allowed if s != Status.RESOLVED]
        self.fields["sub_status"].choices = [("", "—"), *SubStatus.choices]


_DATETIME_INPUT = {"widget": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                   "input_formats": ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]}


class SubStatusForm(forms.Form):
    """PRG-1/2: the sub-status within the current status (等待备件 → 维修中 → 已发货)."""

    prefix = "sub"
    sub_status = forms.ChoiceField(label=_("Sub-status"), choices=(), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sub_status"].choices = [("", "—"), *SubStatus.choices]


class DiagnosisForm(forms.Form):
    prefix = "diag"
    started_at = bounds.DateTimeField(label=_("Diagnosis started"), **_DATETIME_INPUT)
    ended_at = bounds.DateTimeField(label=_("Diagnosis ended"), required=False,
                                    help_text=_("Empty: now."), **_DATETIME_INPUT)
    result = forms.CharField(
        label=_("Diagnosis result"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SolutionForm(forms.Form):
    prefix = "sol"
    text = forms.CharField(label=_("Solution"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3}))
    steps = forms.CharField(label=_("Steps"), max_length=15000, required=False,
                            widget=forms.Textarea(attrs={"rows": 3}), help_text=_("One step per line."))

    def clean_steps(self):
        return [line.strip() for line in self.cleaned_data["steps"].splitlines() if line.strip()]


class ExecutionForm(forms.Form):
    prefix = "exec"
    text = forms.CharField(
        label=_("What was done"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    performed_at = bounds.DateTimeField(label=_("Performed at"), required=False, help_text=_("Empty: now."),
                                        **_DATETIME_INPUT)
    operator = bounds.ModelChoiceField(label=_("Operator"), queryset=None, required=False,
                                       help_text=_("Empty: you."))
    customer_feedback = forms.CharField(label=_("Customer feedback"), max_length=5000, required=False,
                                        widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operator"].queryset = service_staff()


class ResolveForm(forms.Form):
    """PRG-7 / COM-5: the root cause (a leaf of the tree) and the result the customer reads."""

    prefix = "resolve"
    root_cause = bounds.ModelChoiceField(label=_("Root cause"), queryset=None, required=False)
    customer_result = forms.CharField(label=_("Result for the customer"), max_length=5000, required=False,
                                      widget=forms.Textarea(attrs={"rows": 4}))
    warranty_months = forms.IntegerField(
        label=_("Warranty on the repair (months)"), min_value=0, max_value=120, required=False
    )
    resolution_note = forms.CharField(label=_("Internal resolution note"), max_length=5000, required=False,
                                      widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, ticket_type: str = "problem", **kwargs):
        from serviceloop.tickets.models import RootCause
        from serviceloop.tickets.processing import result_prompt, root_cause_choices

        super().__init__(*args, **kwargs)
        leaves = root_cause_choices()
        field = self.fields["root_cause"]
        field.queryset = RootCause.objects.filter(pk__in=[c.pk for c in leaves])
        field.choices = [("", "—"), *((c.pk, c.path()) for c in leaves)]
        self.fields["customer_result"].help_text = result_prompt(ticket_type)
        if ticket_type != "problem":
            del self.fields["warranty_months"]


class PhoneConfirmationForm(forms.Form):
    """CSAT-3: the customer's answer given by phone, recorded by staff."""

    prefix = "phone"
    fixed = forms.TypedChoiceField(label=_("The customer says"), coerce=lambda v: v == "yes",
                                   choices=[("yes", _("Fixed — close the ticket")),
                                            ("no", _("Not fixed — reopen"))], widget=forms.RadioSelect)
    note = forms.CharField(label=_("Who confirmed, and what they said"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 2}))


class NotFixedForm(forms.Form):
    """CSAT-3: "not fixed" needs the customer's reason; the ticket is reopened with it."""

    prefix = "answer"
    reason = forms.CharField(label=_("What is still not working?"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 3}))


def service_staff():
    """The people work can be handed to (User.objects.service_staff()), by name."""
    return User.objects.service_staff().order_by("display_name", "username")


class AssignForm(forms.Form):
    prefix = "assign"  # several forms share the ticket page: field ids must not clash
    owner = bounds.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    group = bounds.ModelChoiceField(label=_("Group"), queryset=None, required=False)
    co_handlers = bounds.ModelMultipleChoiceField(
        label=_("Co-handlers"), queryset=None, required=False, widget=forms.SelectMultiple(attrs={"size": 5}),
        help_text=_("Hold Ctrl (Cmd on a Mac) to choose several."))

    def __init__(self, *args, **kwargs):
        from serviceloop.accounts.models import Team

        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = service_staff()
        self.fields["co_handlers"].queryset = service_staff()
        self.fields["group"].queryset = Team.objects.order_by("name")


class EscalateForm(forms.Form):
    """上报 (ASN-5): to a person, a department, or both, always with a reason."""

    prefix = "escalate"
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    to = bounds.ModelChoiceField(label=_("Escalate to"), queryset=None, required=False)
    department = forms.CharField(label=_("Department"), max_length=100, required=False,
                                 help_text=_("Name a person, a department, or both."))
    expected_feedback_at = bounds.DateTimeField(
        label=_("Feedback expected by"), required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = service_staff()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (photos, logs, purchase proof)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class AttachForm(forms.Form):
    """Files added on the ticket page (dropped on the drop zone or chosen); all are stored or none."""

    prefix = "attach"
    files = MultipleFileField(label=_("Add files"))
    internal = forms.BooleanField(label=_("Internal only (never shown to the customer)"), required=False)

    def clean_files(self):
        # A multiple-file field returns an empty list, never "nothing", so `required` has to be checked here.
        files = self.cleaned_data["files"]
        if not files:
            raise forms.ValidationError(self.fields["files"].error_messages["required"], code="required")
        return files


class ProblemForm(forms.Form):
    """The customer's 提交问题 form (seed 003): product, when it happened, what happened, files, and the
    three impact questions that set the urgency."""

    prefix = "problem"
    title = forms.CharField(label=_("Subject"), max_length=200)
    product = bounds.ModelChoiceField(
        label=_("Product (model and serial number)"),
        queryset=None,
        required=False,
        empty_label=_("Not in the list / not about a product"),
    )
    product_details = forms.CharField(
        label=_("Model, serial number and purchase date, if not in the list"), max_length=300, required=False,
        help_text=_("e.g. X-3000, SN-2024-0001, bought 2024-05-01"))
    occurred_at = bounds.DateTimeField(label=_("When did it happen?"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"])
    description = forms.CharField(
        label=_("What happened"), max_length=20000, widget=forms.Textarea(attrs={"rows": 5})
    )
    error_code = forms.CharField(label=_("Error message or code shown"), max_length=200, required=False)
    tried_steps = forms.CharField(label=_("What you already tried"), max_length=5000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 2}))
    attachments = MultipleFileField(label=_("Photos, screenshots, logs, purchase proof"), required=False)
    # The impact questions (#16.7): the urgency follows from the answers (tickets/priority.py
    # urgency_from_answers), so a stopped line is never filed as low.
    business_stop = forms.ChoiceField(label=_("Is your business interrupted?"), choices=BusinessStop.choices,
                                      widget=forms.RadioSelect)
    reach = forms.ChoiceField(label=_("How many users are affected?"), choices=Reach.choices,
                              widget=forms.RadioSelect)
    core = forms.ChoiceField(label=_("Is it core equipment for your work?"), choices=CoreAnswer.choices,
                             widget=forms.RadioSelect)

    def impact(self) -> dict:
        """ticket_create's urgency, business_interrupted and core_equipment from the answers, and the
        answers in words for the business-impact field the engineer reads."""
        data = self.cleaned_data
        answers = " · ".join(f"{self.fields[name].label} {dict(self.fields[name].choices)[data[name]]}"
                             for name in ("business_stop", "reach", "core"))
        urgency = urgency_from_answers(stop=data["business_stop"], reach=data["reach"], core=data["core"])
        return {
            "urgency": urgency,
            "business_interrupted": data["business_stop"] == BusinessStop.STOPPED,
            "core_equipment": {CoreAnswer.YES: True, CoreAnswer.NO: False}.get(data["core"]),
            "business_impact": answers,
        }

    def __init__(self, *args, organization=None, **kwargs):
        from serviceloop.assets.models import CustomerProduct

        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = (CustomerProduct.objects.filter(organization=organization)
                                           .select_related("product_model").order_by("serial_number"))
        self.fields["product"].label_from_instance = lambda p: f"{p.product_model} · {p.serial_number}"


class IntakeForm(forms.Form):
    """电话登记: an agent registers a caller's problem with every INT-4 field."""

    prefix = "intake"
    organization = bounds.ModelChoiceField(label=_("Organisation"), queryset=None, widget=forms.HiddenInput)
    contact = bounds.ModelChoiceField(
        label=_("Contact"), queryset=None, required=False, widget=forms.HiddenInput
    )
    serial_number = forms.CharField(label=_("Serial number"), max_length=100, required=False)
    title = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("The customer's words"), max_length=20000,
                                  widget=forms.Textarea(attrs={"rows": 3}))
    objective_description = forms.CharField(
        label=_("Objective description"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    error_code = forms.CharField(label=_("Symptom / error code"), max_length=200, required=False)
    occurred_at = bounds.DateTimeField(label=_("When did it happen?"), required=False,
                                      widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
                                      input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"])
    reproduction_steps = forms.CharField(label=_("Operation path / reproduction steps"), max_length=20000,
                                         required=False, widget=forms.Textarea(attrs={"rows": 2}))
    environment = forms.CharField(label=_("Environment (OS / version)"), max_length=300, required=False)
    business_interrupted = forms.BooleanField(label=_("Business interrupted"), required=False)
    affected_users = forms.IntegerField(label=_("Users affected"), min_value=0, max_value=AFFECTED_USERS_MAX,
                                        required=False)
    business_impact = forms.CharField(label=_("Business impact"), max_length=5000, required=False)
    tried_steps = forms.CharField(label=_("What the customer already tried"), max_length=5000, required=False)
    ticket_type = forms.ChoiceField(label=_("Type"), choices=())
    category = bounds.ModelChoiceField(label=_("Category"), queryset=None, required=False)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=())
    impact_scope = forms.ChoiceField(label=_("Impact scope"), choices=())
    expedite = forms.BooleanField(label=_("Expedite"), required=False)

    def __init__(self, *args, **kwargs):
        from serviceloop.customers.models import Contact, Organization
        from serviceloop.tickets.choices import ImpactScope, TicketType, Urgency
        from serviceloop.tickets.models import Category

        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = Organization.objects.all()
        self.fields["contact"].queryset = Contact.objects.all()
        self.fields["category"].queryset = Category.objects.filter(is_active=True).select_related("parent")
        self.fields["ticket_type"].choices = TicketType.choices
        self.fields["urgency"].choices = Urgency.choices
        self.fields["impact_scope"].choices = ImpactScope.choices


def show_service_error(form, exc: ServiceError, *, upload_field: str | None = None) -> None:
    """Put a service's refusal next to the form field it names (services say `category_id`, forms
    `category`); a refused upload goes to the upload field; anything else above the form."""
    field = exc.errors[0]["field"].removesuffix("_id") if exc.errors else None
    if field is None and exc.status_code in (413, 415):
        field = upload_field
    form.add_error(field if field in form.fields else None, exc.message)


class TicketFilterForm(forms.Form):
    """The list's filters, read from the query string (GET): bookmarkable, and what a saved filter keeps."""

    ORDERS = [("deadline", _("Next SLA deadline")), ("newest", _("Newest first"))]
    status = forms.MultipleChoiceField(label=_("Status"), required=False, widget=forms.CheckboxSelectMultiple)
    priority = forms.MultipleChoiceField(
        label=_("Priority"), required=False, widget=forms.CheckboxSelectMultiple
    )
    type = forms.MultipleChoiceField(label=_("Type"), required=False, widget=forms.CheckboxSelectMultiple)
    category = bounds.ModelChoiceField(label=_("Category"), queryset=None, required=False)
    organization = bounds.ModelChoiceField(label=_("Organisation"), queryset=None, required=False)
    owner = bounds.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    # The dashboard's drill-downs (ANA-2) filter by these too; the filter panel does not show them.
    channel = forms.MultipleChoiceField(label=_("Channel"), required=False, choices=Channel.choices)
    root_cause = bounds.ModelChoiceField(label=_("Root cause"), queryset=None, required=False)
    product_model = bounds.ModelChoiceField(label=_("Product model"), queryset=None, required=False)
    # Filters, not stored values: any date a DateField takes is fine, the list clamps the extremes.
    created_from = forms.DateField(label=_("Created from"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(label=_("Created up to"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    order = forms.ChoiceField(label=_("Sort by"), choices=ORDERS, required=False)

    # Fields that narrow the list (not the sort order): a form with none of them set filters nothing.
    NARROWING = (
        "status",
        "priority",
        "type",
        "category",
        "organization",
        "owner",
        "created_from",
        "created_to",
        "channel",
        "root_cause",
        "product_model",
    )

    def __init__(self, *args, customer: bool = False, **kwargs):
        from serviceloop.assets.models import ProductModel
        from serviceloop.customers.models import Organization
        from serviceloop.tickets.choices import Priority, TicketType
        from serviceloop.tickets.models import Category, RootCause

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = Status.choices
        self.fields["priority"].choices = Priority.choices
        self.fields["type"].choices = TicketType.choices
        self.fields["category"].queryset = Category.objects.filter(is_active=True).select_related("parent")
        # Inactive ones too: a drill-down from last year's figures may name a cause or model retired since.
        self.fields["root_cause"].queryset = RootCause.objects.all()
        self.fields["product_model"].queryset = ProductModel.objects.all()
        if customer:
            # A customer's list is their organisation's: who handles it internally, and the root cause
            # recorded internally, are not theirs to filter by.
            for name in ("organization", "owner", "root_cause"):
                del self.fields[name]
        else:
            self.fields["organization"].queryset = Organization.objects.order_by("name")
            self.fields["owner"].queryset = User.objects.service_staff().order_by("username")

    def clean(self):
        data = super().clean()
        start, end = data.get("created_from"), data.get("created_to")
        if start and end and end < start:
            self.add_error("created_to", _("The end date is before the start date."))
        return data

    def narrowing(self) -> bool:
        return any(self.cleaned_data.get(name) for name in self.NARROWING if name in self.fields)


class SearchForm(forms.Form):
    """The search page's query and filters (GET): the top bar's box sends `q` alone."""

    ORDERS = [("relevance", _("Best match")), ("date", _("Newest first"))]
    q = forms.CharField(label=_("Search"), required=False, strip=True)
    status = forms.MultipleChoiceField(label=_("Status"), required=False, widget=forms.CheckboxSelectMultiple)
    priority = forms.MultipleChoiceField(
        label=_("Priority"), required=False, widget=forms.CheckboxSelectMultiple
    )
    type = forms.MultipleChoiceField(label=_("Type"), required=False, widget=forms.CheckboxSelectMultiple)
    organization = bounds.ModelChoiceField(label=_("Organisation"), queryset=None, required=False)
    model = bounds.ModelChoiceField(label=_("Product model"), queryset=None, required=False)
    created_from = forms.DateField(label=_("Created from"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))
    created_to = forms.DateField(label=_("Created up to"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}))
    order = forms.ChoiceField(label=_("Sort by"), choices=ORDERS, required=False)

    def __init__(self, *args, customer: bool = False, **kwargs):
        from serviceloop.assets.models import ProductModel
        from serviceloop.customers.models import Organization
        from serviceloop.search.text import MAX_QUERY_CHARS
        from serviceloop.tickets.choices import Priority, TicketType

        super().__init__(*args, **kwargs)
        self.fields["q"].max_length = MAX_QUERY_CHARS
        self.fields["q"].validators.append(validators.MaxLengthValidator(MAX_QUERY_CHARS))
        self.fields["status"].choices = Status.choices
        self.fields["priority"].choices = Priority.choices
        self.fields["type"].choices = TicketType.choices
        self.fields["model"].queryset = ProductModel.objects.order_by("code")
        if customer:
            del self.fields["organization"]  # a customer's results are their organisation's anyway
        else:
            self.fields["organization"].queryset = Organization.objects.order_by("name")


class SavedFilterForm(forms.Form):
    name = forms.CharField(label=_("Name of this filter"), max_length=60)
    query = forms.CharField(widget=forms.HiddenInput, required=False, max_length=1000)


class TrackForm(forms.Form):
    """Track a ticket without logging in: its number and the contact phone, plain characters only."""

    number = forms.RegexField(
        label=_("Ticket number"),
        max_length=40,
        regex=r"^[A-Za-z0-9][A-Za-z0-9_./-]*\Z",
        error_messages={
            "invalid": _("A ticket number has only letters, digits and dashes, e.g. 202605-0012.")
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    phone = forms.RegexField(
        label=_("Contact phone"), max_length=32, regex=r"^\+?[0-9 ()./-]+\Z",
        help_text=_("The phone of the contact person given when the problem was reported."),
        error_messages={"invalid": _("Enter the phone number in digits; spaces, dashes and +86 are fine.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}))

    def clean_phone(self):
        from serviceloop.tickets.tracking import phone_digits

        phone = self.cleaned_data["phone"]
        if not 5 <= len(phone_digits(phone)) <= 15:
            raise forms.ValidationError(self.fields["phone"].error_messages["invalid"], code="invalid")
        return phone
