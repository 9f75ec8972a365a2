"""Demo marketing kit: scripts, product sheets, news and two poster templates. Idempotent."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw, ImageOps

from materials.fonts import FontMissing, cjk_font
from materials.models import Kind, Material
from materials.services.materials import material_create

ORDER = 40

SCRIPTS = [
    (
        "定期存款到期提醒",
        "存款",
        "{customer_name}您好，我是{branch}的{rm_name}。您在我行的定期存款即将到期，"
        "现在有大额存单和新的理财产品可以衔接，方便的话我给您介绍一下？",
    ),
    (
        "大额存单上新",
        "存款",
        "{customer_name}您好！我行新一期大额存单今天起售，起存 20 万，额度有限，需要帮您预留吗？",
    ),
    (
        "生日祝福",
        "关怀",
        "{customer_name}，祝您生日快乐！{branch}全体同事祝您身体健康、万事如意。——{rm_name}",
    ),
    (
        "节日问候·春节",
        "关怀",
        "{customer_name}，新春快乐！感谢您一年来对{branch}的支持，{rm_name}给您拜年了。",
    ),
    ("节日问候·中秋", "关怀", "{customer_name}，中秋快乐，阖家团圆！{rm_name}（{branch}）"),
    (
        "沉睡客户唤醒",
        "挽留",
        "{customer_name}您好，好久没见您来网点了，最近我行推出了手机银行积分兑礼活动，欢迎回来看看。",
    ),
    (
        "他行转账挽留",
        "挽留",
        "{customer_name}您好，我是您的客户经理{rm_name}，如果您有资金安排需要，"
        "我可以帮您比较一下我行的产品，电话{rm_phone}。",
    ),
    (
        "网贷申请失败跟进",
        "贷款",
        "{customer_name}您好，看到您近期有资金需求，我行的经营贷、消费贷可以线下帮您评估，欢迎联系{rm_name}。",
    ),
    (
        "信用卡激活提醒",
        "信用卡",
        "{customer_name}您好，您的信用卡已寄出，收到后可在手机银行激活，有问题随时找我。",
    ),
    (
        "手机银行开通引导",
        "电子银行",
        "{customer_name}您好，开通手机银行后转账、理财都能在手机上办，我可以远程指导您。",
    ),
    ("社保卡激活", "民生", "{customer_name}您好，您的社保卡已到{branch}，请携带身份证来领取激活。"),
    (
        "养老金代发",
        "民生",
        "{customer_name}您好，养老金代发到我行可享专属存款利率和免费体检，详情问{rm_name}。",
    ),
    (
        "理财到期续作",
        "理财",
        "{customer_name}您好，您的理财产品即将到期，本期有几款稳健型产品，我给您发资料看看？",
    ),
    (
        "风险测评提醒",
        "理财",
        "{customer_name}您好，您的风险测评即将过期，重新测评后才能继续购买理财，手机银行即可完成。",
    ),
    (
        "新客户欢迎",
        "开户",
        "{customer_name}您好，欢迎成为{branch}的客户！我是您的专属客户经理{rm_name}，电话{rm_phone}。",
    ),
    (
        "代发工资客户维护",
        "代发",
        "{customer_name}您好，工资到账后可以设置自动转存，收益比活期高，需要帮您设置吗？",
    ),
    (
        "反诈提醒",
        "安全",
        "{customer_name}，提醒您：银行不会以任何理由要求您转账到“安全账户”，有疑问请打给{rm_name}。",
    ),
    (
        "活动邀约·理财沙龙",
        "活动",
        "{customer_name}您好，本周六{branch}有理财知识沙龙，茶歇+专家讲解，欢迎您来。",
    ),
    ("贵宾客户升级", "贵宾", "{customer_name}您好，恭喜您的资产达到我行贵宾标准，可享专属服务通道。"),
    (
        "满意度回访",
        "服务",
        "{customer_name}您好，上次为您办理的业务还满意吗？有任何建议请告诉我，{rm_name}。",
    ),
]

PRODUCTS = [
    ("稳享 90 天理财", "R2", "wealth", "业绩比较基准 2.8%–3.2%，期限 90 天，1 万元起购。"),
    ("安心 7 天周期理财", "R1", "wealth", "每 7 天开放一次，业绩比较基准 2.2%，流动性好。"),
    ("季季红混合理财", "R3", "wealth", "固收+策略，期限 180 天，业绩比较基准 3.5%–4.5%。"),
    ("价值精选股票基金", "R4", "fund", "主投 A 股价值蓝筹，适合长期投资。"),
    ("纳斯达克 100 指数 QDII", "R5", "fund", "跟踪海外科技指数，波动较大。"),
    ("稳健债券基金 A", "R2", "fund", "以中高等级信用债为主，回撤较小。"),
    ("终身寿险·传家福", "R2", "insurance", "终身保障，保额稳定增长，可用于财富传承。"),
    ("重疾险·安康保", "R1", "insurance", "120 种重疾保障，轻症三次赔付。"),
    ("三年期大额存单", "R1", "deposit", "20 万起存，三年期，可转让。"),
    ("惠农经营贷", "R1", "loan", "最高 50 万元，随借随还，按日计息。"),
]

NEWS = [
    ("我行荣获年度服务之星", "我行在全省农商银行服务评比中荣获“年度服务之星”。"),
    ("手机银行 6.0 全新上线", "新版手机银行支持刷脸登录、一键理财、在线预约网点。"),
    ("关于春节期间营业安排的公告", "春节期间各网点轮班营业，请{customer_name}合理安排业务办理时间。"),
    ("防范电信诈骗十条", "不听、不信、不转账：牢记十条防诈要点，守好钱袋子。"),
]

POSTERS = [
    (
        "新春理财节",
        ("#b4232a", "#f7d9a8"),
        "扫码了解新春理财节活动",
        {
            "qr_x": 700,
            "qr_y": 1480,
            "qr_size": 320,
            "slots": {
                "name": {"x": 80, "y": 1490, "size": 76, "color": "#b4232a"},
                "title": {"x": 80, "y": 1600, "size": 40, "color": "#5b1a1a"},
                "branch": {"x": 80, "y": 1660, "size": 40, "color": "#5b1a1a"},
                "phone": {"x": 80, "y": 1730, "size": 44, "color": "#5b1a1a"},
            },
        },
    ),
    (
        "您的专属客户经理",
        ("#0f4c81", "#d9ecff"),
        "扫码添加我的名片，随时为您服务",
        {
            "qr_x": 390,
            "qr_y": 1160,
            "qr_size": 300,
            "slots": {
                "name": {"x": 390, "y": 1500, "size": 72, "color": "#0f4c81"},
                "title": {"x": 390, "y": 1600, "size": 40, "color": "#1f2329"},
                "branch": {"x": 390, "y": 1660, "size": 40, "color": "#1f2329"},
                "phone": {"x": 390, "y": 1730, "size": 44, "color": "#1f2329"},
            },
        },
    ),
]


def background(title: str, colors: tuple[str, str]) -> bytes:
    """A 1080×1920 poster background drawn here: no downloaded assets."""
    gradient = Image.linear_gradient("L").resize((1080, 1920))
    image = ImageOps.colorize(gradient, colors[0], colors[1])
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((40, 1400, 1040, 1860), radius=36, fill="#ffffff")
    for i in range(6):
        draw.ellipse((800 - i * 90, 120 + i * 40, 1000 - i * 90, 320 + i * 40), outline="#ffffff", width=4)
    try:
        draw.text((80, 400), title, font=cjk_font(110), fill="#ffffff")
        draw.text((80, 560), "客户经理为您一对一服务", font=cjk_font(52), fill="#ffffff")
    except FontMissing:
        pass  # the background still works; the RM's details need the font at render time anyway
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def seed(*, password: str, log: Callable[[str], object], small: bool = False) -> None:
    """The kit is 36 items whatever the size: `small` changes nothing here."""
    author = User.objects.filter(staff__role="head_office").order_by("id").first()
    if author is None:
        log("materials: no head office user, skipped")
        return
    existing = set(Material.objects.values_list("kind", "title"))
    start = timezone.now() - timedelta(days=7)
    created = 0

    def add(kind: str, title: str, **fields: Any) -> None:
        nonlocal created
        if (kind, title) in existing:
            return
        material_create(by=author, kind=kind, title=title, publish_from=start, **fields)
        created += 1

    for title, category, body in SCRIPTS:
        add(Kind.SCRIPT, title, body=body, category=category, tags=[category])
    for title, level, category, body in PRODUCTS:
        add(
            Kind.PRODUCT,
            title,
            body=body + "\n{rm_name}为您服务，电话 {rm_phone}。",
            category="产品",
            risk_level=level,
            marketing_category=category,
            allow_override=level in ("R1", "R2"),
        )
    for title, body in NEWS:
        add(Kind.NEWS, title, body=body, category="资讯")
    for title, colors, body, layout in POSTERS:
        if (Kind.POSTER, title) in existing:
            continue
        upload = SimpleUploadedFile("poster.png", background(title, colors), content_type="image/png")
        add(Kind.POSTER, title, body=body, category="海报", background=upload, layout=layout)
    log(f"materials: {created} created")
