"""The chat widget's public endpoints (another website's page, no login) and the agents' pages.

Public calls carry the site key in the URL and the visitor's token in the body or query; only
the key's allowed origins may call (the Origin header; CORS lets their scripts read answers).
Answers are JSON `{code, message, details}` on errors, like the API.
"""

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, override
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from rapport.accounts.throttling import client_address
from rapport.behaviour.selectors import get_active_site_key
from rapport.chat import selectors, services
from rapport.chat.models import ChatSender, ChatSession, ChatStatus
from rapport.core.errors import ApplicationError, NotFound
from rapport.core.htmx import found_or_404, int_or_none
from rapport.knowledge.selectors import search_articles

SUGGESTIONS = 3


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _error(exc: ApplicationError) -> JsonResponse:
    return _json(
        {"code": exc.code, "message": str(exc.message), "details": exc.details or {}},
        status=exc.status,
    )


def _too_large() -> JsonResponse:
    """A body over DATA_UPLOAD_MAX_MEMORY_SIZE: refused in JSON like every other widget error
    (Django's own answer would be an HTML 400 the widget cannot read)."""
    return _json(
        {
            "code": "request_too_large",
            "message": _("The request body is too large."),
            "details": {},
        },
        status=413,
    )


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    response["Access-Control-Allow-Origin"] = origin
    response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Max-Age"] = "86400"
    response["Vary"] = "Origin"
    return response


def _language(request) -> str:
    raw = request.GET.get("lang", "")
    if raw in services.LANGUAGES:
        return raw
    return "zh-hans" if (get_language() or "").startswith("zh") else "en"


def public_endpoint(handler):
    """Check the site key and origin, answer preflights, parse JSON, turn errors into JSON."""

    @csrf_exempt
    @require_http_methods(["GET", "POST", "OPTIONS"])
    def view(request, key: str):
        origin = request.headers.get("Origin", "")
        try:
            site_key = get_active_site_key(key)
        except NotFound as exc:
            return _error(exc)
        if origin not in site_key.allowed_origins:
            return _json(
                {
                    "code": "origin_not_allowed",
                    "message": _("This website may not open chats here."),
                    "details": {},
                },
                status=403,
            )
        if request.method == "OPTIONS":
            return _cors(HttpResponse(status=204), origin)
        body: dict = {}
        if request.method == "POST":
            try:
                body = json.loads(request.body or b"{}")
            except (ValueError, UnicodeDecodeError):
                body = None
            except RequestDataTooBig:
                return _cors(_too_large(), origin)
            if not isinstance(body, dict):
                return _cors(
                    _json(
                        {
                            "code": "malformed_json",
                            "message": _("The request body is not valid JSON."),
                            "details": {},
                        },
                        status=400,
                    ),
                    origin,
                )
        with override(_language(request)):
            try:
                response = handler(request, site_key, body)
            except ApplicationError as exc:
                response = _error(exc)
        return _cors(response, origin)

    return view


def _message_out(message) -> dict:
    name = ""
    if message.sender == ChatSender.AGENT and message.author is not None:
        name = message.author.get_short_name() or message.author.get_username()
    return {
        "id": message.pk,
        "sender": message.sender,
        "name": name,
        "text": message.text,
        "at": message.created_at.isoformat(),
    }


def _state(session: ChatSession, messages, *, busy: bool = False) -> dict:
    return {
        "status": session.status if isinstance(session, ChatSession) else session,
        "messages": [_message_out(message) for message in messages],
        "busy": busy,
    }


@public_endpoint
def widget_labels(request, site_key, body):
    """The widget's words in the visitor's language (`?lang=zh-hans|en`)."""
    return _json(
        {
            "open": _("Chat with us"),
            "close": _("Close"),
            "title": _("Ask us anything"),
            "question": _("Your question"),
            "ask": _("Ask"),
            "suggested": _("These articles may answer your question:"),
            "answered": _("This answered my question"),
            "thanks": _("Glad we could help!"),
            "talk": _("Chat with an agent"),
            "name": _("Name (optional)"),
            "email": _("E-mail (optional)"),
            "phone": _("Phone (optional)"),
            "message": _("Write a message"),
            "send": _("Send"),
            "end": _("End chat"),
            "waiting": _("Waiting for an agent…"),
            "agent": _("Agent"),
            "you": _("You"),
            "ended": _("The chat has ended."),
            "error": _("Something went wrong. Try again."),
        }
    )


@public_endpoint
def widget_suggest(request, site_key, body):
    question = body.get("question")
    if not isinstance(question, str) or not question.strip():
        return _json({"articles": []})
    language = _language(request)
    hits = search_articles(question[:500], public_only=True, language=language, limit=SUGGESTIONS)
    articles = []
    for hit in hits:
        translation = hit.translation
        articles.append(
            {
                "id": hit.article.pk,
                "title": translation.title if translation else str(hit.article),
                "summary": translation.summary if translation else "",
                "url": request.build_absolute_uri(reverse("help:article", args=[hit.article.pk])),
            }
        )
    return _json({"articles": articles})


@public_endpoint
def widget_deflected(request, site_key, body):
    services.chat_deflected(
        question=body.get("question"), article_ids=body.get("article_ids"), site_key=site_key
    )
    return _json({"ok": True})


@public_endpoint
def widget_start(request, site_key, body):
    data = {name: body.get(name) for name in ("question", "name", "email", "phone")}
    data["language"] = _language(request)
    session = services.chat_start(site_key=site_key, data=data, ip=client_address(request))
    state = _state(session, selectors.messages_after(session.pk, 0))
    state["token"] = session.visitor_token
    return _json(state, status=201)


@public_endpoint
def widget_send(request, site_key, body):
    session = selectors.get_chat_for_visitor(body.get("token"))
    message = services.chat_visitor_send(
        session=session, text=body.get("text"), ip=client_address(request)
    )
    return _json({"message": _message_out(message)}, status=201)


@public_endpoint
def widget_end(request, site_key, body):
    session = selectors.get_chat_for_visitor(body.get("token"))
    session = services.chat_end(session=session)
    return _json({"status": session.status})


@public_endpoint
def widget_poll(request, site_key, body):
    """Long poll: `?token=…&after=<last message id>&status=<status known>`."""
    session = selectors.get_chat_for_visitor(request.GET.get("token"))
    if session.status == ChatStatus.WAITING:
        services.chats_expire_waiting()
    news = selectors.wait_for_news(
        session.pk,
        after=int_or_none(request.GET.get("after")) or 0,
        known_status=request.GET.get("status", ""),
    )
    return _json(_state(news.status, news.messages, busy=news.busy))


# --- Agents --------------------------------------------------------------------------------------


def _agent_error(exc: ApplicationError) -> JsonResponse:
    return _error(exc)


@login_required
@require_GET
def inbox(request):
    services.agent_seen(user=request.user)
    services.chats_expire_waiting()
    return render(
        request,
        "chat/inbox.html",
        {
            "waiting": list(selectors.chats_waiting()[:100]),
            "mine": list(selectors.chats_of_agent(request.user)),
            "recent": selectors.chats_recent(request.user),
            "script": static("js/rapport-chat-agent.js"),
        },
    )


@login_required
@require_GET
def inbox_state(request):
    """What the inbox and the top-bar badge poll: waiting chats and mine (JSON)."""
    services.agent_seen(user=request.user)
    services.chats_expire_waiting()
    waiting = list(selectors.chats_waiting()[:100])
    now = timezone.now()

    def row(chat):
        return {
            "id": chat.pk,
            "question": chat.question[:200],
            "name": chat.visitor_name,
            "waiting_seconds": int((now - chat.started_at).total_seconds()),
            "url": reverse("chat:detail", args=[chat.pk]),
        }

    return _json(
        {
            "waiting_count": len(waiting),
            "waiting": [row(chat) for chat in waiting],
            "mine": [row(chat) for chat in selectors.chats_of_agent(request.user)],
        }
    )


@login_required
@require_GET
def detail(request, pk: int):
    chat = found_or_404(selectors.get_chat_for_user, request.user, pk)
    services.agent_seen(user=request.user)
    return render(
        request,
        "chat/detail.html",
        {
            "chat": chat,
            "messages": selectors.messages_after(chat.pk, 0),
            "is_mine": chat.agent_id == request.user.pk,
            "script": static("js/rapport-chat-agent.js"),
        },
    )


def _agent_action(request, pk: int, action):
    try:
        chat = selectors.get_chat_for_user(request.user, pk)
        result = action(chat)
    except ApplicationError as exc:
        return _agent_error(exc)
    return _json(result)


@login_required
@require_POST
def take(request, pk: int):
    def action(chat):
        chat = services.chat_take(actor=request.user, session=chat)
        return {"status": chat.status}

    return _agent_action(request, pk, action)


@login_required
@require_POST
def send(request, pk: int):
    def action(chat):
        message = services.chat_agent_send(
            actor=request.user, session=chat, text=request.POST.get("text")
        )
        return {"message": _message_out(message)}

    return _agent_action(request, pk, action)


@login_required
@require_POST
def end(request, pk: int):
    def action(chat):
        chat = services.chat_end(actor=request.user, session=chat)
        return {"status": chat.status}

    return _agent_action(request, pk, action)


@login_required
@require_GET
def poll(request, pk: int):
    def action(chat):
        services.agent_seen(user=request.user)
        news = selectors.wait_for_news(
            chat.pk,
            after=int_or_none(request.GET.get("after")) or 0,
            known_status=request.GET.get("status", ""),
        )
        return _state(news.status, news.messages, busy=news.busy)

    return _agent_action(request, pk, action)
