"""REST endpoints for web chats, the agent's side: the chats you see, one with its messages,
taking one, answering and closing it. The visitor's side is the widget's public endpoints.

A chat is visible by the chat's rule (`selectors.chats_visible_to`): waiting chats to every
signed-in user (any agent may take one), a taken chat to its agent and administrators; another
agent's chat answers 404 on every endpoint. A visible chat does not reveal its customer: `person`
is null unless the caller may see the person by the customers' own rule.
"""

import datetime

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from rapport.chat import selectors, services
from rapport.chat.models import MAX_MESSAGE_CHARS, ChatSender, ChatStatus
from rapport.core.api_schemas import (
    InputSchema,
    Page,
    PageQuery,
    RecordRef,
    TeamRef,
    UserRef,
    error_responses,
    paginate,
    text,
)
from rapport.core.schema_types import RecordId

router = Router(tags=["chats"])


class ChatListItem(Schema):
    id: int
    status: ChatStatus
    question: str = Field(description="The visitor's first words; show it escaped.")
    language: str
    visitor_name: str
    visitor_email: str
    visitor_phone: str
    person: RecordRef | None = Field(
        description="The customer the visitor was identified as; null when none or you may "
        "not see the person."
    )
    agent: UserRef | None = Field(description="Who took the chat.")
    team: TeamRef | None
    ticket_id: int | None = Field(description="The ticket the chat became, if it did.")
    started_at: datetime.datetime
    taken_at: datetime.datetime | None
    ended_at: datetime.datetime | None


class ChatMessageOut(Schema):
    id: int
    sender: ChatSender
    text: str = Field(description="Plain text as written; show it escaped.")
    author: UserRef | None = Field(description="The agent who wrote it.")
    created_at: datetime.datetime


class ChatOut(ChatListItem):
    messages: list[ChatMessageOut] = Field(description="Oldest first.")

    @staticmethod
    def resolve_messages(obj) -> list:
        return obj.messages_list


class ChatListQuery(PageQuery):
    status: ChatStatus | None = None


class ChatMessageIn(InputSchema):
    text: text(MAX_MESSAGE_CHARS)


@router.get(
    "/chats",
    response={200: Page[ChatListItem], **error_responses(400, 422)},
    description="The chats you see, newest first: waiting chats (any agent may take one) and "
    "those you took (administrators: all). Filter: `status`.",
)
def chats_list(request: HttpRequest, query: Query[ChatListQuery]):
    chats = selectors.chats_list(request.auth, status=query.status or "")
    return paginate(chats, sort="-started_at", cursor=query.cursor, limit=query.limit)


@router.get(
    "/chats/{int:chat_id}",
    response={200: ChatOut, **error_responses(404)},
    description="A chat with its messages (visitor, agent and system messages, oldest first).",
)
def chat_detail(request: HttpRequest, chat_id: RecordId):
    return selectors.chat_with_messages(request.auth, chat_id)


@router.post(
    "/chats/{int:chat_id}/take",
    response={200: ChatOut, **error_responses(404, 409)},
    description="Take a waiting chat: it becomes yours and the visitor is told you joined. "
    "409 `conflict` when it was taken (by you, or by another agent a moment before) or has "
    "ended.",
)
def chat_take(request: HttpRequest, chat_id: RecordId):
    chat = selectors.get_chat_for_user(request.auth, chat_id)
    services.chat_take(actor=request.auth, session=chat)
    return selectors.chat_with_messages(request.auth, chat_id)


@router.post(
    "/chats/{int:chat_id}/messages",
    response={201: ChatMessageOut, **error_responses(403, 404, 409, 422)},
    description=f"Answer the visitor (plain text, at most {MAX_MESSAGE_CHARS} characters); "
    "they see it within a second. Only the chat's agent may (403 before you take it); an ended "
    "chat is 409.",
)
def chat_message_create(request: HttpRequest, chat_id: RecordId, payload: ChatMessageIn):
    chat = selectors.get_chat_for_user(request.auth, chat_id)
    message = services.chat_agent_send(actor=request.auth, session=chat, text=payload.text)
    return Status(201, message)


@router.post(
    "/chats/{int:chat_id}/close",
    response={200: ChatOut, **error_responses(403, 404)},
    description="End the chat (its agent, or an administrator); the transcript goes on the "
    "identified customer's timeline. Closing an ended chat changes nothing.",
)
def chat_close(request: HttpRequest, chat_id: RecordId):
    chat = selectors.get_chat_for_user(request.auth, chat_id)
    services.chat_end(session=chat, actor=request.auth)
    return selectors.chat_with_messages(request.auth, chat_id)


routers = [router]
