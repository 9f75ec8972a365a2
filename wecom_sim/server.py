"""The simulator: WeCom's API paths under /cgi-bin/, control endpoints under /_sim/.

State lives in memory (one lock) and, with a state file, is written after every change so a
restarted demo keeps its contacts. Events are pushed to the app's callback URL synchronously from
the control request that caused them, so a test sees the app's answer in the control response.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import secrets
import string
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import qrcode
from PIL import Image

from wecom_sim import crypto

Json = dict[str, Any]

# WeCom's errcodes used here (全局错误码).
OK = 0
INVALID_SECRET = 40001  # 不合法的secret参数
INVALID_CORPID = 40013  # 不合法的CorpID
INVALID_TOKEN = 40014  # 不合法的access_token
INVALID_AGENTID = 40056  # 不合法的agentid
INVALID_PARAMETER = 40058  # 不合法的参数
INVALID_EXTERNAL_USERID = 40096  # 不合法的外部联系人userid
CONTACT_LIMIT = 40099  # 外部联系人的数量已达上限
ALREADY_TRANSFERRING = 40100  # 此用户的外部联系人已经在转移流程中
MISSING_TOKEN = 41001  # 缺少access_token参数
TOKEN_EXPIRED = 42001  # access_token已过期
BAD_JSON = 47001  # 数据格式错误
FREQUENCY_LIMIT = 45009  # 接口调用超过限制
NOT_EXTERNAL_CONTACT = 84061  # 不存在外部联系人的关系
NOT_FOUND = 60011  # (used for an unknown msgid) 无权限/不存在

ERRMSG = {
    OK: "ok",
    INVALID_SECRET: "invalid credential",
    INVALID_CORPID: "invalid corpid",
    INVALID_TOKEN: "invalid access_token",
    INVALID_AGENTID: "invalid agentid",
    INVALID_PARAMETER: "invalid parameter",
    INVALID_EXTERNAL_USERID: "invalid external userid",
    CONTACT_LIMIT: "external contact count reach limit",
    ALREADY_TRANSFERRING: "external contact already in transfer",
    MISSING_TOKEN: "access_token missing",
    TOKEN_EXPIRED: "access_token expired",
    BAD_JSON: "data format error",
    FREQUENCY_LIMIT: "api freq out of limit",
    NOT_EXTERNAL_CONTACT: "not external contact",
    NOT_FOUND: "no privilege to access/modify contact/party/agent",
}

# get_groupmsg_send_result statuses
SEND_PENDING, SEND_SENT, SEND_NOT_FRIEND, SEND_ALREADY_RECEIVED = 0, 1, 2, 3
# transfer_result statuses
TRANSFER_DONE, TRANSFER_WAITING, TRANSFER_REFUSED, TRANSFER_LIMIT = 1, 2, 3, 4
RESIGNED, IN_JOB = "resigned", "in_job"  # 离职继承, 在职继承: separate APIs, separate records


class ApiError(Exception):
    def __init__(self, errcode: int, errmsg: str = "") -> None:
        super().__init__(errcode)
        self.errcode = errcode
        self.errmsg = errmsg or ERRMSG.get(errcode, "error")


@dataclass
class Config:
    corp_id: str
    contact_secret: str
    secret: str
    agent_id: str
    token: str
    aes_key: str
    callback: str = ""
    public_url: str = ""  # the simulator's own base URL, for qr_code links
    qr_text_base: str = "https://work.weixin.qq.com/ca"
    token_ttl: int = 7200
    transfer_seconds: int = 60
    transfer_page: int = 1000  # rows per transfer_result page
    state_file: Path | None = None


@dataclass
class State:
    tokens: dict[str, Json] = field(default_factory=dict)
    contact_ways: dict[str, Json] = field(default_factory=dict)
    contacts: dict[str, Json] = field(default_factory=dict)
    welcome_codes: dict[str, Json] = field(default_factory=dict)
    welcomes: list[Json] = field(default_factory=list)
    messages: list[Json] = field(default_factory=list)
    templates: dict[str, Json] = field(default_factory=dict)
    transfers: list[Json] = field(default_factory=list)
    events: list[Json] = field(default_factory=list)
    rate_limit: Json = field(default_factory=dict)
    transfer_limits: dict[str, Json] = field(default_factory=dict)
    transfer_refusals: list[str] = field(default_factory=list)  # external_userids that will refuse
    tickets: list[str] = field(default_factory=list)  # agent_config jsapi_tickets issued

    def to_json(self) -> Json:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_json(cls, data: Json) -> State:
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)


def _random(prefix: str, length: int, alphabet: str = string.ascii_letters + string.digits) -> str:
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def qr_png(text: str, scale: int = 8) -> bytes:
    """The 联系我 code as WeCom serves it: a PNG of a QR (error correction M, 4-module quiet zone)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=1)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    modules = len(matrix)
    small = Image.new("L", (modules, modules), 255)
    small.putdata([0 if dark else 255 for row in matrix for dark in row])
    big = small.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)
    out = io.BytesIO()
    big.save(out, format="PNG")
    return out.getvalue()


def _cdata(value: str) -> str:
    # A "]]>" inside a value (a customer's name from a control request) would end the section.
    return "<![CDATA[" + str(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def event_xml(corp_id: str, change_type: str, fields: dict[str, str], *, created: int | None = None) -> str:
    """The plaintext of a change_external_contact event, as WeCom writes it."""
    parts = [
        f"<ToUserName><![CDATA[{corp_id}]]></ToUserName>",
        "<FromUserName><![CDATA[sys]]></FromUserName>",
        f"<CreateTime>{created or int(time.time())}</CreateTime>",
        "<MsgType><![CDATA[event]]></MsgType>",
        "<Event><![CDATA[change_external_contact]]></Event>",
        f"<ChangeType><![CDATA[{change_type}]]></ChangeType>",
    ]
    parts += [f"<{name}>{_cdata(value)}</{name}>" for name, value in fields.items()]
    return "<xml>" + "".join(parts) + "</xml>"


class Simulator:
    def __init__(self, config: Config) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.state = State()
        if config.state_file and config.state_file.exists():
            self.state = State.from_json(json.loads(config.state_file.read_text()))

    # ---- persistence -------------------------------------------------------------------------

    def save(self) -> None:
        if not self.config.state_file:
            return
        path = self.config.state_file
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(self.state.to_json(), ensure_ascii=False))
        temporary.replace(path)

    # ---- tokens ------------------------------------------------------------------------------

    def gettoken(self, query: dict[str, str]) -> Json:
        corp_id, secret = query.get("corpid", ""), query.get("corpsecret", "")
        if not corp_id or corp_id != self.config.corp_id:
            raise ApiError(INVALID_CORPID)
        kinds = {self.config.contact_secret: "contact", self.config.secret: "app"}
        if not secret or secret not in kinds:
            raise ApiError(INVALID_SECRET)
        token = _random("", 64, string.ascii_letters + string.digits + "-_")
        with self.lock:
            self.state.tokens[token] = {
                "kind": kinds[secret],
                "expires_at": time.time() + self.config.token_ttl,
            }
            self.save()
        return {"access_token": token, "expires_in": self.config.token_ttl}

    def check_token(self, query: dict[str, str]) -> str:
        token = query.get("access_token", "")
        if not token:
            raise ApiError(MISSING_TOKEN)
        with self.lock:
            issued = self.state.tokens.get(token)
        if issued is None:
            raise ApiError(INVALID_TOKEN)
        if issued["expires_at"] <= time.time():
            raise ApiError(TOKEN_EXPIRED)
        return str(issued["kind"])

    def check_rate_limit(self, path: str) -> None:
        with self.lock:
            limit = self.state.rate_limit
            if limit.get("count", 0) > 0 and limit.get("path", "") in ("", path):
                limit["count"] -= 1
                self.save()
                raise ApiError(FREQUENCY_LIMIT)

    # ---- API -------------------------------------------------------------------------------

    def message_send(self, body: Json) -> Json:
        if str(body.get("agentid", "")) != str(self.config.agent_id):
            raise ApiError(INVALID_AGENTID)
        msgtype = body.get("msgtype")
        if not isinstance(msgtype, str) or not isinstance(body.get(msgtype), dict):
            raise ApiError(INVALID_PARAMETER, "invalid msgtype or missing its content")
        touser = body.get("touser", "")
        if not isinstance(touser, str) or not touser:
            raise ApiError(INVALID_PARAMETER, "touser is empty")
        msgid = _random("", 40)
        with self.lock:
            self.state.messages.append(
                {
                    "msgid": msgid,
                    "touser": touser.split("|"),
                    "msgtype": msgtype,
                    msgtype: body[msgtype],
                    "at": int(time.time()),
                }
            )
            self.save()
        return {"invaliduser": "", "invalidparty": "", "invalidtag": "", "unlicenseduser": "", "msgid": msgid}

    def add_contact_way(self, body: Json) -> Json:
        kind, scene, users = body.get("type"), body.get("scene"), body.get("user", [])
        if kind not in (1, 2) or scene not in (1, 2):
            raise ApiError(INVALID_PARAMETER, "type and scene must be 1 or 2")
        if isinstance(users, str):
            users = [users]
        if not isinstance(users, list) or not users or not all(isinstance(u, str) and u for u in users):
            raise ApiError(INVALID_PARAMETER, "user is required")
        if kind == 1 and len(users) != 1:
            raise ApiError(INVALID_PARAMETER, "a single-person contact way has exactly one user")
        state = body.get("state", "")
        if not isinstance(state, str) or len(state) > 30:
            raise ApiError(INVALID_PARAMETER, "state is at most 30 characters")
        config_id = secrets.token_hex(16)
        way: Json = {
            "config_id": config_id,
            "type": kind,
            "scene": scene,
            "user": users,
            "state": state,
            "remark": body.get("remark", ""),
            "skip_verify": body.get("skip_verify", True),
        }
        if scene == 2:
            way["qr_code"] = f"{self.config.public_url}/wwqrcode/{config_id}.png"
        with self.lock:
            self.state.contact_ways[config_id] = way
            self.save()
        answer: Json = {"config_id": config_id}
        if scene == 2:
            answer["qr_code"] = way["qr_code"]
        return answer

    def qr_text(self, config_id: str) -> str:
        return f"{self.config.qr_text_base}/c/{config_id}"

    def externalcontact_get(self, query: dict[str, str]) -> Json:
        external_userid = query.get("external_userid", "")
        if not external_userid:
            raise ApiError(INVALID_PARAMETER, "external_userid is required")
        with self.lock:
            contact = self.state.contacts.get(external_userid)
            if contact is None:
                raise ApiError(NOT_EXTERNAL_CONTACT)
            follows = [f for f in contact["follow_user"] if not f.get("deleted")]
            if not follows:
                raise ApiError(NOT_EXTERNAL_CONTACT)
            return {
                "external_contact": contact["external_contact"],
                "follow_user": [{k: v for k, v in f.items() if k != "deleted"} for f in follows],
                "next_cursor": "",
            }

    def send_welcome_msg(self, body: Json) -> Json:
        code = body.get("welcome_code", "")
        if not isinstance(code, str) or not code:
            raise ApiError(INVALID_PARAMETER, "welcome_code is required")
        text = body.get("text") or {}
        attachments = body.get("attachments") or []
        if not (isinstance(text, dict) and text.get("content")) and not attachments:
            raise ApiError(INVALID_PARAMETER, "text and attachments cannot both be empty")
        with self.lock:
            issued = self.state.welcome_codes.get(code)
            # A welcome code is single-use and valid for 20 seconds (WeCom's rule).
            if issued is None or issued.get("used") or issued["issued_at"] + 20 < time.time():
                raise ApiError(INVALID_PARAMETER, "invalid welcome_code")
            issued["used"] = True
            self.state.welcomes.append(
                {
                    "welcome_code": code,
                    "userid": issued["userid"],
                    "external_userid": issued["external_userid"],
                    "text": text,
                    "attachments": attachments,
                    "at": int(time.time()),
                }
            )
            self.save()
        return {}

    def add_msg_template(self, body: Json) -> Json:
        chat_type = body.get("chat_type", "single")
        sender = body.get("sender", "")
        external_userids = body.get("external_userid", [])
        if chat_type != "single":
            raise ApiError(INVALID_PARAMETER, "only chat_type single is simulated")
        if not isinstance(sender, str) or not sender:
            raise ApiError(INVALID_PARAMETER, "sender is required")
        if not isinstance(external_userids, list) or not external_userids or len(external_userids) > 10000:
            raise ApiError(INVALID_PARAMETER, "external_userid must list 1 to 10000 ids")
        text = body.get("text") or {}
        if not (isinstance(text, dict) and text.get("content")) and not body.get("attachments"):
            raise ApiError(INVALID_PARAMETER, "text and attachments cannot both be empty")
        msgid = _random("msg", 28)
        fail_list, send_list = [], []
        with self.lock:
            for external_userid in dict.fromkeys(external_userids):
                contact = self.state.contacts.get(external_userid)
                if contact is None:
                    fail_list.append(external_userid)
                    continue
                friend = any(f["userid"] == sender and not f.get("deleted") for f in contact["follow_user"])
                send_list.append(
                    {
                        "external_userid": external_userid,
                        "userid": sender,
                        "status": SEND_PENDING if friend else SEND_NOT_FRIEND,
                    }
                )
            self.state.templates[msgid] = {
                "msgid": msgid,
                "sender": sender,
                "text": text,
                "attachments": body.get("attachments", []),
                "send_list": send_list,
                "created_at": int(time.time()),
            }
            self.save()
        return {"fail_list": fail_list, "msgid": msgid}

    def get_groupmsg_send_result(self, body: Json) -> Json:
        msgid, userid = body.get("msgid", ""), body.get("userid", "")
        limit = body.get("limit", 500)
        if not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise ApiError(INVALID_PARAMETER, "limit must be 1 to 1000")
        try:
            start = int(body.get("cursor") or 0)
        except (TypeError, ValueError) as error:
            raise ApiError(INVALID_PARAMETER, "invalid cursor") from error
        with self.lock:
            template = self.state.templates.get(msgid)
            if template is None or not userid:
                raise ApiError(INVALID_PARAMETER, "invalid msgid or userid")
            rows = [dict(r) for r in template["send_list"] if r["userid"] == userid]
        page = rows[start : start + limit]
        next_cursor = str(start + limit) if start + limit < len(rows) else ""
        return {"next_cursor": next_cursor, "send_list": page}

    def transfer_customer(self, body: Json, kind: str = RESIGNED) -> Json:
        handover, takeover = body.get("handover_userid", ""), body.get("takeover_userid", "")
        external_userids = body.get("external_userid", [])
        if not handover or not takeover or handover == takeover:
            raise ApiError(INVALID_PARAMETER, "handover_userid and takeover_userid are required and differ")
        if not isinstance(external_userids, list) or not external_userids or len(external_userids) > 100:
            raise ApiError(INVALID_PARAMETER, "external_userid must list 1 to 100 ids")
        customers = []
        with self.lock:
            for external_userid in external_userids:
                contact = self.state.contacts.get(external_userid)
                follows = contact and any(
                    f["userid"] == handover and not f.get("deleted") for f in contact["follow_user"]
                )
                if not follows:
                    customers.append({"external_userid": external_userid, "errcode": NOT_EXTERNAL_CONTACT})
                    continue
                if any(
                    t["external_userid"] == external_userid and t["status"] == TRANSFER_WAITING
                    for t in self.state.transfers
                ):
                    customers.append({"external_userid": external_userid, "errcode": ALREADY_TRANSFERRING})
                    continue
                limit = self.state.transfer_limits.get(takeover)
                outcome = TRANSFER_DONE
                if external_userid in self.state.transfer_refusals:
                    outcome = TRANSFER_REFUSED
                elif limit and limit["count"] > 0:
                    limit["count"] -= 1
                    if limit["when"] == "now":
                        customers.append({"external_userid": external_userid, "errcode": CONTACT_LIMIT})
                        continue
                    outcome = TRANSFER_LIMIT
                self.state.transfers.append(
                    {
                        "kind": kind,
                        "handover_userid": handover,
                        "takeover_userid": takeover,
                        "external_userid": external_userid,
                        "status": TRANSFER_WAITING,
                        "outcome": outcome,
                        "requested_at": time.time(),
                        "takeover_time": 0,
                    }
                )
                customers.append({"external_userid": external_userid, "errcode": OK})
            self.save()
        return {"customer": customers}

    def _follow_of(self, body: Json) -> Json:
        userid, external_userid = body.get("userid", ""), body.get("external_userid", "")
        if not userid or not external_userid:
            raise ApiError(INVALID_PARAMETER, "userid and external_userid are required")
        contact = self.state.contacts.get(external_userid)
        for follow in (contact or {}).get("follow_user", []):
            if follow["userid"] == userid and not follow.get("deleted"):
                return follow
        raise ApiError(NOT_EXTERNAL_CONTACT)

    def remark(self, body: Json) -> Json:
        """externalcontact/remark: the member's remark, description and remark mobiles of a contact."""
        mobiles = body.get("remark_mobiles", None)
        if mobiles is not None and (not isinstance(mobiles, list) or len(mobiles) > 5):
            raise ApiError(INVALID_PARAMETER, "remark_mobiles is a list of at most 5")
        with self.lock:
            follow = self._follow_of(body)
            for key in ("remark", "description"):
                if key in body:
                    follow[key] = str(body[key])
            if mobiles is not None:
                follow["remark_mobiles"] = mobiles
            self.save()
        return {}

    def mark_tag(self, body: Json) -> Json:
        """externalcontact/mark_tag: enterprise tags added to / removed from the member's contact."""
        add, remove = body.get("add_tag", []), body.get("remove_tag", [])
        if not isinstance(add, list) or not isinstance(remove, list) or not (add or remove):
            raise ApiError(INVALID_PARAMETER, "add_tag and remove_tag cannot both be empty")
        with self.lock:
            follow = self._follow_of(body)
            tags = [t for t in follow.get("tags", []) if t["tag_id"] not in remove]
            known = {t["tag_id"] for t in tags}
            tags += [{"group_name": "", "tag_name": t, "type": 1, "tag_id": t} for t in add if t not in known]
            follow["tags"] = tags
            self.save()
        return {}

    def transfer_customer_in_job(self, body: Json) -> Json:
        """在职继承: the same shape; the customer may refuse within WeCom's 24 hours."""
        return self.transfer_customer(body, IN_JOB)

    def transfer_result(self, body: Json, kind: str = RESIGNED) -> Json:
        handover, takeover = body.get("handover_userid", ""), body.get("takeover_userid", "")
        if not handover or not takeover:
            raise ApiError(INVALID_PARAMETER, "handover_userid and takeover_userid are required")
        try:
            start = int(body.get("cursor") or 0)
        except (TypeError, ValueError) as error:
            raise ApiError(INVALID_PARAMETER, "invalid cursor") from error
        with self.lock:
            due = [
                t
                for t in self.state.transfers
                if t["status"] == TRANSFER_WAITING
                and t["requested_at"] + self.config.transfer_seconds <= time.time()
            ]
        if due:
            self.complete_transfers(due)
        with self.lock:
            rows = [
                {
                    "external_userid": t["external_userid"],
                    "status": t["status"],
                    "takeover_time": t["takeover_time"],
                }
                for t in self.state.transfers
                if t["handover_userid"] == handover
                and t["takeover_userid"] == takeover
                and t.get("kind", RESIGNED) == kind
            ]
        size = self.config.transfer_page
        next_cursor = str(start + size) if start + size < len(rows) else ""
        return {"customer": rows[start : start + size], "next_cursor": next_cursor}

    def transfer_result_in_job(self, body: Json) -> Json:
        return self.transfer_result(body, IN_JOB)

    def complete_transfers(self, transfers: list[Json] | None = None) -> Json:
        """Finish waiting transfers: moved to the takeover, refused by the customer, or failed
        with customer_limit_exceed."""
        pushes: list[tuple[str, dict[str, str]]] = []
        with self.lock:
            waiting = [t for t in (transfers or self.state.transfers) if t["status"] == TRANSFER_WAITING]
            for transfer in waiting:
                transfer["status"] = transfer["outcome"]
                contact = self.state.contacts.get(transfer["external_userid"])
                if transfer["status"] == TRANSFER_DONE:
                    transfer["takeover_time"] = int(time.time())
                    if contact:
                        for follow in contact["follow_user"]:
                            if follow["userid"] == transfer["handover_userid"]:
                                follow["userid"] = transfer["takeover_userid"]
                                # WeCom's own inheritance keeps the relation, not the notes on it.
                                follow.update(remark="", description="", remark_mobiles=[], tags=[])
                else:
                    reason = (
                        "customer_refused"
                        if transfer["status"] == TRANSFER_REFUSED
                        else "customer_limit_exceed"
                    )
                    pushes.append(
                        (
                            "transfer_fail",
                            {
                                "FailReason": reason,
                                "UserID": transfer["takeover_userid"],
                                "ExternalUserID": transfer["external_userid"],
                            },
                        )
                    )
            self.save()
        delivered = [self.push(change_type, fields) for change_type, fields in pushes]
        return {"completed": len(waiting), "events": delivered}

    # ---- control: customers -----------------------------------------------------------------

    def add_customer(self, body: Json) -> Json:
        config_id = body.get("config_id", "")
        userid, state = body.get("userid", ""), body.get("state", "")
        if config_id:
            with self.lock:
                way = self.state.contact_ways.get(config_id)
            if way is None:
                raise ApiError(INVALID_PARAMETER, "unknown config_id")
            userid, state = userid or way["user"][0], way["state"]
        if not isinstance(userid, str) or not userid:
            raise ApiError(INVALID_PARAMETER, "userid or config_id is required")
        external_userid = body.get("external_userid") or _random("wm", 30)
        name = body.get("name") or "微信用户"
        mobile = body.get("mobile", "")
        now = int(time.time())
        welcome_code = _random("", 43)
        with self.lock:
            contact = self.state.contacts.setdefault(
                external_userid,
                {
                    "external_contact": {
                        "external_userid": external_userid,
                        "name": name,
                        "type": 1,
                        "gender": int(body.get("gender", 0)),
                        "avatar": "",
                    },
                    "follow_user": [],
                },
            )
            contact["follow_user"] = [f for f in contact["follow_user"] if f["userid"] != userid]
            contact["follow_user"].append(
                {
                    "userid": userid,
                    "remark": "",
                    "description": "",
                    "createtime": now,
                    "tags": [],
                    "remark_mobiles": [mobile] if mobile else [],
                    "add_way": 1,
                    "state": state,
                    "oper_userid": external_userid,
                }
            )
            self.state.welcome_codes[welcome_code] = {
                "userid": userid,
                "external_userid": external_userid,
                "issued_at": time.time(),
            }
            self.save()
        fields = {"UserID": userid, "ExternalUserID": external_userid}
        if state:
            fields["State"] = state
        fields["WelcomeCode"] = welcome_code
        delivered = self.push("add_external_contact", fields)
        return {
            "external_userid": external_userid,
            "userid": userid,
            "state": state,
            "welcome_code": welcome_code,
            "delivered": delivered,
        }

    def remove(self, body: Json) -> Json:
        """The customer removes the RM (del_follow_user), or by="rm": the RM removes the customer."""
        userid, external_userid = body.get("userid", ""), body.get("external_userid", "")
        by = body.get("by", "customer")
        if by not in ("customer", "rm"):
            raise ApiError(INVALID_PARAMETER, "by is customer or rm")
        with self.lock:
            contact = self.state.contacts.get(external_userid)
            follows = [f for f in (contact or {}).get("follow_user", []) if f["userid"] == userid]
            if not follows or follows[0].get("deleted"):
                raise ApiError(NOT_EXTERNAL_CONTACT)
            follows[0]["deleted"] = True
            self.save()
        fields = {"UserID": userid, "ExternalUserID": external_userid}
        if by == "rm":
            fields["Source"] = body.get("source", "")
            return {"delivered": self.push("del_external_contact", fields)}
        return {"delivered": self.push("del_follow_user", fields)}

    def edit(self, body: Json) -> Json:
        userid, external_userid = body.get("userid", ""), body.get("external_userid", "")
        with self.lock:
            contact = self.state.contacts.get(external_userid)
            follows = [f for f in (contact or {}).get("follow_user", []) if f["userid"] == userid]
            if not follows:
                raise ApiError(NOT_EXTERNAL_CONTACT)
            for key in ("remark", "description", "remark_mobiles"):
                if key in body:
                    follows[0][key] = body[key]
            if "tags" in body:
                # Tag names in; WeCom's shape out (企业标签: type 1, a tag id per name).
                names = body["tags"] if isinstance(body["tags"], list) else []
                follows[0]["tags"] = [
                    {"group_name": "客户标签", "tag_name": str(name), "tag_id": f"et{index:04d}", "type": 1}
                    for index, name in enumerate(names)
                ]
            self.save()
        return {
            "delivered": self.push(
                "edit_external_contact", {"UserID": userid, "ExternalUserID": external_userid}
            )
        }

    # ---- pushing events ---------------------------------------------------------------------

    def envelope(self, plaintext: str) -> tuple[dict[str, str], str]:
        encrypted = crypto.encrypt(self.config.aes_key, plaintext, self.config.corp_id)
        timestamp, nonce = str(int(time.time())), _random("", 10, string.digits)
        query = {
            "msg_signature": crypto.signature(self.config.token, timestamp, nonce, encrypted),
            "timestamp": timestamp,
            "nonce": nonce,
        }
        body = (
            f"<xml><ToUserName><![CDATA[{escape(self.config.corp_id)}]]></ToUserName>"
            f"<Encrypt><![CDATA[{encrypted}]]></Encrypt>"
            f"<AgentID><![CDATA[{escape(self.config.agent_id)}]]></AgentID></xml>"
        )
        return query, body

    def push(self, change_type: str, fields: dict[str, str]) -> Json:
        plaintext = event_xml(self.config.corp_id, change_type, fields)
        record: Json = {"change_type": change_type, "fields": fields, "at": int(time.time())}
        if not self.config.callback:
            record["error"] = "no callback URL configured"
        else:
            query, body = self.envelope(plaintext)
            url = (
                self.config.callback
                + ("&" if "?" in self.config.callback else "?")
                + urllib.parse.urlencode(query)
            )
            record.update(self._send(url, body.encode(), "POST"))
        with self.lock:
            self.state.events.append(record)
            self.save()
        return record

    def verify_url(self) -> Json:
        """Do what WeCom does when an admin saves the callback URL: GET it with an encrypted echostr."""
        if not self.config.callback:
            raise ApiError(INVALID_PARAMETER, "no callback URL configured")
        echo = _random("", 19, string.digits)
        encrypted = crypto.encrypt(self.config.aes_key, echo, self.config.corp_id)
        timestamp, nonce = str(int(time.time())), _random("", 10, string.digits)
        query = {
            "msg_signature": crypto.signature(self.config.token, timestamp, nonce, encrypted),
            "timestamp": timestamp,
            "nonce": nonce,
            "echostr": encrypted,
        }
        url = (
            self.config.callback
            + ("&" if "?" in self.config.callback else "?")
            + urllib.parse.urlencode(query)
        )
        result = self._send(url, None, "GET")
        result["verified"] = result.get("status") == 200 and result.get("body") == echo
        return result

    @staticmethod
    def _send(url: str, data: bytes | None, method: str) -> Json:
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - http(s) by configuration
        if data is not None:
            request.add_header("Content-Type", "text/xml; charset=utf-8")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                return {"status": response.status, "body": response.read().decode(errors="replace")}
        except urllib.error.HTTPError as error:
            return {"status": error.code, "body": error.read().decode(errors="replace")}
        except (urllib.error.URLError, OSError) as error:
            return {"error": str(error)}

    # ---- control: knobs ---------------------------------------------------------------------

    def expire_tokens(self, body: Json) -> Json:
        with self.lock:
            for issued in self.state.tokens.values():
                issued["expires_at"] = 0
            self.save()
            return {"expired": len(self.state.tokens)}

    def set_rate_limit(self, body: Json) -> Json:
        count = body.get("count", 1)
        if not isinstance(count, int) or count < 0:
            raise ApiError(INVALID_PARAMETER, "count is a non-negative integer")
        with self.lock:
            self.state.rate_limit = {"count": count, "path": body.get("path", "")}
            self.save()
        return {"rate_limit": self.state.rate_limit}

    def set_transfer_limit(self, body: Json) -> Json:
        takeover, count, when = (
            body.get("takeover_userid", ""),
            body.get("count", 1),
            body.get("when", "later"),
        )
        if not takeover or not isinstance(count, int) or count < 0 or when not in ("now", "later"):
            raise ApiError(INVALID_PARAMETER, "takeover_userid, count >= 0 and when now/later")
        with self.lock:
            self.state.transfer_limits[takeover] = {"count": count, "when": when}
            self.save()
        return {"transfer_limit": {takeover: self.state.transfer_limits[takeover]}}

    def set_transfer_refusal(self, body: Json) -> Json:
        """These customers will refuse the transfers asked for them from now on (客户拒绝)."""
        ids = body.get("external_userid", [])
        if not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
            raise ApiError(INVALID_PARAMETER, "external_userid is a list of ids")
        with self.lock:
            self.state.transfer_refusals = sorted({*self.state.transfer_refusals, *ids})
            self.save()
        return {"transfer_refusals": self.state.transfer_refusals}

    def confirm_groupmsg(self, body: Json) -> Json:
        """The sender confirms a mass message in the WeCom app: pending rows are sent, except to a
        customer who already received a mass message that day (WeCom: one per customer per day)."""
        msgid = body.get("msgid", "")
        with self.lock:
            template = self.state.templates.get(msgid)
            if template is None:
                raise ApiError(INVALID_PARAMETER, "unknown msgid")
            now = int(time.time())
            day = time.strftime("%Y-%m-%d", time.localtime(now))
            received = {
                row["external_userid"]
                for other in self.state.templates.values()
                if other["msgid"] != msgid
                for row in other["send_list"]
                if row["status"] == SEND_SENT
                and time.strftime("%Y-%m-%d", time.localtime(row["send_time"])) == day
            }
            for row in template["send_list"]:
                if row["status"] != SEND_PENDING:
                    continue
                if row["external_userid"] in received:
                    row["status"] = SEND_ALREADY_RECEIVED
                else:
                    row["status"], row["send_time"] = SEND_SENT, now
            self.save()
            return {"send_list": template["send_list"]}

    def ticket_get(self, query: dict[str, str]) -> Json:
        """The application's jsapi_ticket for wx.agentConfig (type=agent_config): only with the
        application's access token, as WeCom issues it."""
        if self.check_token(query) != "app":
            raise ApiError(INVALID_TOKEN, "ticket/get needs the application's access_token")
        if query.get("type") != "agent_config":
            raise ApiError(INVALID_PARAMETER, "type must be agent_config")
        ticket = _random("", 86, string.ascii_letters + string.digits + "-_")
        with self.lock:
            self.state.tickets = [*self.state.tickets[-9:], ticket]
            self.save()
        return {"ticket": ticket, "expires_in": self.config.token_ttl}

    def sidebar_context(self, body: Json) -> Json:
        """What the chat toolbar would tell the page outside WeCom: the member and the contact of
        the open chat, signed with the application's secret (HMAC-SHA256 over the base64url
        payload), so the product can trust it and nobody can edit it into another contact."""
        userid, external_userid = body.get("userid", ""), body.get("external_userid", "")
        if (
            not isinstance(userid, str)
            or not userid
            or not isinstance(external_userid, str)
            or not external_userid
        ):
            raise ApiError(INVALID_PARAMETER, "userid and external_userid are required")
        payload = {
            "corpid": self.config.corp_id,
            "userid": userid,
            "external_userid": external_userid,
            "ts": int(body.get("ts") or time.time()),
        }
        encoded = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).decode()
        encoded = encoded.rstrip("=")
        mac = hmac.new(self.config.secret.encode(), encoded.encode(), hashlib.sha256).hexdigest()
        return {"context": f"{encoded}.{mac}"}

    def snapshot(self) -> Json:
        with self.lock:
            data = json.loads(json.dumps(self.state.to_json()))
        data.pop("tokens")
        return data

    def reset(self, body: Json) -> Json:
        with self.lock:
            self.state = State()
            self.save()
        return {}


API_GET: dict[str, Callable[[Simulator, dict[str, str]], Json]] = {
    "/cgi-bin/externalcontact/get": Simulator.externalcontact_get,
    "/cgi-bin/ticket/get": Simulator.ticket_get,
}
API_POST: dict[str, Callable[[Simulator, Json], Json]] = {
    "/cgi-bin/message/send": Simulator.message_send,
    "/cgi-bin/externalcontact/add_contact_way": Simulator.add_contact_way,
    "/cgi-bin/externalcontact/send_welcome_msg": Simulator.send_welcome_msg,
    "/cgi-bin/externalcontact/add_msg_template": Simulator.add_msg_template,
    "/cgi-bin/externalcontact/get_groupmsg_send_result": Simulator.get_groupmsg_send_result,
    "/cgi-bin/externalcontact/resigned/transfer_customer": Simulator.transfer_customer,
    "/cgi-bin/externalcontact/resigned/transfer_result": Simulator.transfer_result,
    "/cgi-bin/externalcontact/remark": Simulator.remark,
    "/cgi-bin/externalcontact/mark_tag": Simulator.mark_tag,
    "/cgi-bin/externalcontact/transfer_customer": Simulator.transfer_customer_in_job,
    "/cgi-bin/externalcontact/transfer_result": Simulator.transfer_result_in_job,
}
CONTROL: dict[str, Callable[[Simulator, Json], Json]] = {
    "/_sim/add_customer": Simulator.add_customer,
    "/_sim/remove": Simulator.remove,
    "/_sim/edit": Simulator.edit,
    "/_sim/expire_tokens": Simulator.expire_tokens,
    "/_sim/rate_limit": Simulator.set_rate_limit,
    "/_sim/transfer_limit": Simulator.set_transfer_limit,
    "/_sim/transfer_refuse": Simulator.set_transfer_refusal,
    "/_sim/complete_transfers": lambda sim, body: sim.complete_transfers(),
    "/_sim/confirm_groupmsg": Simulator.confirm_groupmsg,
    "/_sim/sidebar_context": Simulator.sidebar_context,
    "/_sim/verify_url": lambda sim, body: sim.verify_url(),
    "/_sim/reset": Simulator.reset,
}


class Handler(BaseHTTPRequestHandler):
    server: SimulatorServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)

    def _answer(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data: Json, status: int = 200) -> None:
        self._answer(status, json.dumps(data, ensure_ascii=False).encode(), "application/json; charset=utf-8")

    def _body(self) -> Json:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return {}
        try:
            data = json.loads(raw)
        except ValueError as error:
            raise ApiError(BAD_JSON, "Warning: wrong json format.") from error
        if not isinstance(data, dict):
            raise ApiError(BAD_JSON, "Warning: wrong json format.")
        return data

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        query = dict(urllib.parse.parse_qsl(url.query))
        sim = self.server.simulator
        if method == "GET" and path.startswith("/wwqrcode/") and path.endswith(".png"):
            config_id = path.removeprefix("/wwqrcode/").removesuffix(".png")
            with sim.lock:
                known = config_id in sim.state.contact_ways
            if not known:
                self._answer(404, b"not found", "text/plain")
                return
            self._answer(200, qr_png(sim.qr_text(config_id)), "image/png")
            return
        if path.startswith("/_sim/"):
            self._control(method, path)
            return
        try:
            if method == "POST":
                body = self._body()
            if path == "/cgi-bin/gettoken" and method == "GET":
                sim.check_rate_limit(path)
                data = sim.gettoken(query)
            elif (method == "GET" and path in API_GET) or (method == "POST" and path in API_POST):
                sim.check_token(query)
                sim.check_rate_limit(path)
                data = API_GET[path](sim, query) if method == "GET" else API_POST[path](sim, body)
            else:
                self._json({"errcode": 404, "errmsg": f"invalid url path: {method} {path}"}, 404)
                return
        except ApiError as error:
            self._json({"errcode": error.errcode, "errmsg": error.errmsg})
            return
        self._json({"errcode": OK, "errmsg": "ok", **data})

    def _control(self, method: str, path: str) -> None:
        sim = self.server.simulator
        if method == "GET" and path == "/_sim/state":
            self._json(sim.snapshot())
            return
        if method == "GET" and path == "/_sim/config":
            config = sim.config
            self._json(
                {
                    "corp_id": config.corp_id,
                    "agent_id": config.agent_id,
                    "callback": config.callback,
                    "public_url": config.public_url,
                }
            )
            return
        action = CONTROL.get(path)
        if method != "POST" or action is None:
            self._json({"errcode": 404, "errmsg": f"no control endpoint {method} {path}"}, 404)
            return
        try:
            data = action(sim, self._body())
        except ApiError as error:
            self._json({"errcode": error.errcode, "errmsg": error.errmsg}, HTTPStatus.BAD_REQUEST)
            return
        self._json({"errcode": OK, "errmsg": "ok", **data})


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], simulator: Simulator, *, quiet: bool = False) -> None:
        super().__init__(address, Handler)
        self.simulator = simulator
        self.quiet = quiet
        if not simulator.config.public_url:
            host, port = str(self.server_address[0]), self.server_address[1]
            shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104 - only for the link
            simulator.config.public_url = f"http://{shown}:{port}"


def serve_in_thread(simulator: Simulator, host: str = "127.0.0.1", port: int = 0) -> SimulatorServer:
    server = SimulatorServer((host, port), simulator, quiet=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True, name="wecom-sim").start()
    return server
