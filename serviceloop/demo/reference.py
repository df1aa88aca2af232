"""Demo reference data: support groups and staff, customer organisations with contacts and their
products, the product models and the category tree — created once, read back in a few queries.

Everything is created only when missing, so `serviceloop demo` can run again and simply add tickets.
Each organisation draws from its own random stream, so it comes out the same whichever others exist.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from serviceloop.accounts.models import Team, User
from serviceloop.accounts.roles import Role
from serviceloop.accounts.services import user_create
from serviceloop.assets.models import CustomerProduct, ProductKind, ProductModel
from serviceloop.customers.models import Contact, Industry, Organization, Tier
from serviceloop.tickets.choices import TicketType
from serviceloop.tickets.models import Category

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed on purpose: a shared demo login

HARDWARE, SOFTWARE, NETWORK, SERVICE = "hardware", "software", "network", "service"
TEAM_NAMES = {HARDWARE: "硬件组", SOFTWARE: "软件组", NETWORK: "网络组", SERVICE: "客户关系组"}

# (username, role, display name, support group or None). Usernames are stable so that the
# printed logins stay valid from one run to the next.
STAFF = [
    ("agent1", Role.AGENT, "陈晓燕", SERVICE),
    ("agent2", Role.AGENT, "杨帆", SERVICE),
    ("agent3", Role.AGENT, "黄丽娟", SERVICE),
    ("engineer1", Role.ENGINEER, "张伟", HARDWARE),
    ("engineer2", Role.ENGINEER, "王磊", HARDWARE),
    ("engineer3", Role.ENGINEER, "李强", HARDWARE),
    ("engineer4", Role.ENGINEER, "周杰", SOFTWARE),
    ("engineer5", Role.ENGINEER, "吴敏", SOFTWARE),
    ("engineer6", Role.ENGINEER, "郑浩", SOFTWARE),
    ("engineer7", Role.ENGINEER, "胡斌", NETWORK),
    ("engineer8", Role.ENGINEER, "林涛", NETWORK),
    ("product_manager1", Role.PRODUCT_MANAGER, "徐鹏", SOFTWARE),
    ("product_manager2", Role.PRODUCT_MANAGER, "朱琳", HARDWARE),
    ("customer_relations1", Role.CUSTOMER_RELATIONS, "许婷", SERVICE),
    ("customer_relations2", Role.CUSTOMER_RELATIONS, "郭静", SERVICE),
    ("supervisor1", Role.SUPERVISOR, "刘建国", HARDWARE),
    ("supervisor2", Role.SUPERVISOR, "孙丽", SOFTWARE),
    ("supervisor3", Role.SUPERVISOR, "马军", NETWORK),
    ("supervisor4", Role.SUPERVISOR, "高敏", SERVICE),
    ("tech_lead1", Role.TECH_LEAD, "赵志刚", HARDWARE),
    ("tech_lead2", Role.TECH_LEAD, "钱伟", SOFTWARE),
    ("tech_lead3", Role.TECH_LEAD, "何明", NETWORK),
    ("director1", Role.DIRECTOR, "罗志明", None),
]
SUPERVISORS = {
    HARDWARE: "supervisor1",
    SOFTWARE: "supervisor2",
    NETWORK: "supervisor3",
    SERVICE: "supervisor4",
}
# Who works a ticket of each area, and who takes it over when it is escalated.
HANDLERS = {
    HARDWARE: ["engineer1", "engineer2", "engineer3"],
    SOFTWARE: ["engineer4", "engineer5", "engineer6"],
    NETWORK: ["engineer7", "engineer8"],
    SERVICE: ["agent1", "agent2", "agent3"],
}
ESCALATION = {HARDWARE: ["tech_lead1", "supervisor1"], SOFTWARE: ["tech_lead2", "supervisor2"],
              NETWORK: ["tech_lead3", "supervisor3"], SERVICE: ["supervisor4", "director1"]}
COMPLAINT_HANDLERS = ["customer_relations1", "customer_relations2", "supervisor4"]
SUGGESTION_HANDLERS = {HARDWARE: ["product_manager2"], SOFTWARE: ["product_manager1"],
                       NETWORK: ["product_manager2"], SERVICE: ["product_manager1", "product_manager2"]}
# Service-desk people who register phone, e-mail, on-site and API tickets and dispatch them.
INTAKE = ["agent1", "agent2", "agent3", "customer_relations1", "customer_relations2"]

# (username, organisation): customer logins, each tied to the organisation's first contact.
CUSTOMER_LOGINS = [
    ("customer1", "华东精密制造有限公司"),
    ("customer2", "招商银行深圳分行"),
    ("customer3", "南方电网广州供电局"),
]

# City → (area code, districts, e-mail-free street names) for addresses and landlines.
CITIES = {
    "上海市": ("021", ["浦东新区", "嘉定区", "闵行区", "徐汇区", "松江区"]),
    "深圳市": ("0755", ["福田区", "南山区", "宝安区", "龙岗区"]),
    "广州市": ("020", ["天河区", "番禺区", "黄埔区", "越秀区"]),
    "北京市": ("010", ["海淀区", "朝阳区", "大兴区", "西城区"]),
    "杭州市": ("0571", ["西湖区", "滨江区", "余杭区", "拱墅区"]),
    "苏州市": ("0512", ["工业园区", "吴中区", "相城区"]),
    "南京市": ("025", ["江宁区", "鼓楼区", "建邺区"]),
    "武汉市": ("027", ["东湖高新区", "江汉区", "洪山区"]),
    "成都市": ("028", ["高新区", "武侯区", "双流区"]),
    "天津市": ("022", ["滨海新区", "西青区"]),
    "青岛市": ("0532", ["黄岛区", "崂山区"]),
    "重庆市": ("023", ["两江新区", "渝北区"]),
    "宁波市": ("0574", ["北仑区", "鄞州区"]),
    "东莞市": ("0769", ["长安镇", "松山湖"]),
    "佛山市": ("0757", ["顺德区", "南海区"]),
    "长沙市": ("0731", ["岳麓区", "雨花区"]),
    "无锡市": ("0510", ["新吴区", "滨湖区"]),
    "合肥市": ("0551", ["蜀山区", "包河区"]),
    "福州市": ("0591", ["鼓楼区", "仓山区"]),
    "西安市": ("029", ["雁塔区", "未央区"]),
    "呼和浩特市": ("0471", ["赛罕区", "新城区"]),
    "厦门市": ("0592", ["湖里区", "思明区"]),
}
STREETS = ["科技园路", "人民路", "建设大道", "滨江大道", "高新大道", "解放路", "中山路", "创新路", "工业大道",
           "世纪大道", "长江路", "学府路"]

M, FI, EN, HE, ED, GO, RE, TE, LO, OT = (
    Industry.MANUFACTURING, Industry.FINANCE, Industry.ENERGY, Industry.HEALTHCARE, Industry.EDUCATION,
    Industry.GOVERNMENT, Industry.RETAIL, Industry.TELECOM, Industry.LOGISTICS, Industry.OTHER,
)
# (name, industry, tier, contract level, city, e-mail domain stem). Domains end in example.com
# (reserved for examples) so a later acknowledgement mail can never reach a real company.
ORGANISATIONS = [
    ("华东精密制造有限公司", M, Tier.VIP, "金牌", "上海市", "hdjm"),
    ("苏州恒瑞电子科技有限公司", M, Tier.NORMAL, "银牌", "苏州市", "hengrui-e"),
    ("宁波东海模具有限公司", M, Tier.NORMAL, "标准", "宁波市", "donghai-mould"),
    ("东莞市华盛五金制品有限公司", M, Tier.NORMAL, "标准", "东莞市", "huasheng-hw"),
    ("天津滨海重工机械有限公司", M, Tier.NORMAL, "银牌", "天津市", "bhzg"),
    ("青岛海纳智能装备有限公司", M, Tier.VIP, "金牌", "青岛市", "haina-ie"),
    ("无锡新锐半导体有限公司", M, Tier.NORMAL, "银牌", "无锡市", "xinrui-semi"),
    ("佛山美居家电制造有限公司", M, Tier.NORMAL, "标准", "佛山市", "meiju"),
    ("长沙中联精工有限公司", M, Tier.NORMAL, "银牌", "长沙市", "zljg"),
    ("重庆长江汽车零部件有限公司", M, Tier.VIP, "金牌", "重庆市", "cjqp"),
    ("西安秦川机床有限公司", M, Tier.NORMAL, "标准", "西安市", "qinchuan-mt"),
    ("招商银行深圳分行", FI, Tier.VIP, "金牌", "深圳市", "cmb-sz"),
    ("中信证券上海营业部", FI, Tier.VIP, "金牌", "上海市", "citics-sh"),
    ("平安财产保险浙江分公司", FI, Tier.NORMAL, "银牌", "杭州市", "pingan-zj"),
    ("江苏农村商业银行", FI, Tier.NORMAL, "银牌", "南京市", "jsrcb"),
    ("华夏基金管理有限公司", FI, Tier.VIP, "金牌", "北京市", "chinaamc"),
    ("南方电网广州供电局", EN, Tier.VIP, "金牌", "广州市", "gz-csg"),
    ("国网江苏电力检修公司", EN, Tier.VIP, "金牌", "南京市", "js-sgcc"),
    ("中石化华南销售有限公司", EN, Tier.NORMAL, "银牌", "广州市", "sinopec-hn"),
    ("龙源风电内蒙古分公司", EN, Tier.NORMAL, "标准", "呼和浩特市", "longyuan-nm"),
    ("协鑫光伏科技有限公司", EN, Tier.NORMAL, "银牌", "苏州市", "gcl-pv"),
    ("复旦大学附属华山医院", HE, Tier.VIP, "金牌", "上海市", "huashan"),
    ("浙江省人民医院", HE, Tier.NORMAL, "金牌", "杭州市", "zjph"),
    ("成都市第三人民医院", HE, Tier.NORMAL, "银牌", "成都市", "cd3h"),
    ("华润医药商业集团", HE, Tier.NORMAL, "银牌", "北京市", "crpharm"),
    ("深圳迈康医疗器械有限公司", HE, Tier.NORMAL, "标准", "深圳市", "maikang-med"),
    ("北京理工大学信息中心", ED, Tier.NORMAL, "银牌", "北京市", "bit-ic"),
    ("华中科技大学网络中心", ED, Tier.NORMAL, "银牌", "武汉市", "hust-nic"),
    ("杭州市第二中学", ED, Tier.NORMAL, "标准", "杭州市", "hz2z"),
    ("广州番禺职业技术学院", ED, Tier.NORMAL, "标准", "广州市", "gzpyp"),
    ("深圳市南山区政务服务数据管理局", GO, Tier.VIP, "金牌", "深圳市", "ns-zwfw"),
    ("杭州市西湖区行政服务中心", GO, Tier.NORMAL, "银牌", "杭州市", "xh-xzfw"),
    ("苏州工业园区管委会", GO, Tier.NORMAL, "银牌", "苏州市", "sipac"),
    ("武汉市公安局交通管理局", GO, Tier.VIP, "金牌", "武汉市", "whjg"),
    ("永辉超市福建区域公司", RE, Tier.NORMAL, "银牌", "福州市", "yonghui-fj"),
    ("百联集团第一八佰伴", RE, Tier.NORMAL, "银牌", "上海市", "bailian-nextage"),
    ("名创优品广州运营中心", RE, Tier.NORMAL, "标准", "广州市", "miniso-gz"),
    ("盒马鲜生杭州运营部", RE, Tier.NORMAL, "标准", "杭州市", "freshippo-hz"),
    ("中国移动浙江分公司", TE, Tier.VIP, "金牌", "杭州市", "zj-10086"),
    ("中国电信成都分公司", TE, Tier.NORMAL, "银牌", "成都市", "cd-189"),
    ("联通数字科技有限公司", TE, Tier.NORMAL, "银牌", "北京市", "cudt"),
    ("顺丰速运华南分拨中心", LO, Tier.VIP, "金牌", "深圳市", "sf-hn"),
    ("中通快递上海转运中心", LO, Tier.NORMAL, "银牌", "上海市", "zto-sh"),
    ("京东物流武汉亚洲一号", LO, Tier.NORMAL, "银牌", "武汉市", "jdl-wh"),
    ("德邦物流合肥分公司", LO, Tier.NORMAL, "标准", "合肥市", "deppon-hf"),
    ("上海世博会展中心", OT, Tier.NORMAL, "标准", "上海市", "expo-center"),
    ("万达酒店管理（北京）有限公司", OT, Tier.NORMAL, "银牌", "北京市", "wanda-hotel"),
    ("绿城物业服务集团", OT, Tier.NORMAL, "标准", "杭州市", "lvcheng-wy"),
    ("深圳市星辰互动网络科技有限公司", OT, Tier.NORMAL, "标准", "深圳市", "xingchen-i"),
    ("厦门航空地面服务部", OT, Tier.NORMAL, "银牌", "厦门市", "xiamenair-gs"),
]

SURNAMES = [("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
            ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
            ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("林", "lin"),
            ("罗", "luo"), ("高", "gao"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
            ("唐", "tang"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"), ("彭", "peng")]
GIVEN_NAMES = [("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
               ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
               ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀英", "xiuying"),
               ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("建华", "jianhua"), ("晓东", "xiaodong"),
               ("海燕", "haiyan"), ("志强", "zhiqiang"), ("文博", "wenbo"), ("雪梅", "xuemei"),
               ("俊杰", "junjie"), ("思远", "siyuan"), ("晓琳", "xiaolin"), ("国栋", "guodong")]
JOB_TITLES = ["信息中心主任", "IT 运维工程师", "设备科科长", "采购经理", "生产部经理", "网络管理员",
              "系统管理员", "行政主管", "总经理助理", "设备管理员", "车间主任", "信息安全专员"]

# (code, name, kind, warranty months, core module, area, serial prefix, versions)
PRODUCT_MODELS = [
    ("X-3000", "设备", ProductKind.EQUIPMENT, 24, True, HARDWARE, "X3K", ["V3.2.0", "V3.2.1", "V3.4.0"]),
    ("X-5000", "工业控制主机", ProductKind.EQUIPMENT, 36, True, HARDWARE, "X5K", ["V1.8.2", "V2.0.1"]),
    ("K-200", "数控终端", ProductKind.DEVICE, 12, True, HARDWARE, "K2T", ["V5.0.3", "V5.1.0"]),
    ("PWR-01", "电源模块", ProductKind.COMPONENT, 12, False, HARDWARE, "PWR", ["HW-A1", "HW-A2"]),
    ("MB-220", "主板", ProductKind.COMPONENT, 12, False, HARDWARE, "MB2", ["BIOS 2.13", "BIOS 2.20"]),
    ("LCD-15", "触控显示屏", ProductKind.COMPONENT, 12, False, HARDWARE, "LCD", ["TP 1.4", "TP 1.6"]),
    ("FAN-08", "散热风扇组件", ProductKind.COMPONENT, 6, False, HARDWARE, "FAN", ["R2"]),
    (
        "SSD-960",
        "企业级固态硬盘",
        ProductKind.COMPONENT,
        36,
        False,
        HARDWARE,
        "SSD",
        ["FW 3.1.7", "FW 3.2.0"],
    ),
    ("GW-500", "工业网关", ProductKind.DEVICE, 24, True, NETWORK, "GW5", ["V2.6.1", "V2.7.0"]),
    ("SW-24G", "千兆交换机", ProductKind.DEVICE, 36, True, NETWORK, "S24", ["V7.1.3", "V7.2.0"]),
    ("AP-610", "无线接入点", ProductKind.DEVICE, 24, False, NETWORK, "AP6", ["V3.0.5", "V3.1.2"]),
    ("SL-ERP", "服务云 ERP", ProductKind.SOFTWARE, 12, True, SOFTWARE, "ERP", ["5.1.2", "5.2.0", "5.3.1"]),
    ("SL-MES", "制造执行系统 MES", ProductKind.SOFTWARE, 12, True, SOFTWARE, "MES", ["3.8.0", "4.0.2"]),
    ("SL-MON", "运维监控平台", ProductKind.SOFTWARE, 12, False, SOFTWARE, "MON", ["2.4.1", "2.5.0"]),
    ("SL-APP", "移动巡检 App", ProductKind.SOFTWARE, 12, False, SOFTWARE, "APP", ["1.9.3", "2.0.0"]),
]
# (root, ticket type the subtree is tied to or "", leaves). Problem areas stay untied: a 硬件类
# category fits a fault, a consultation or a service request alike.
CATEGORY_TREE = [
    ("硬件类", "", ["电源模块", "主板", "显示屏", "风扇散热", "存储硬盘", "接口板卡"]),
    ("软件类", "", ["安装部署", "授权许可", "性能问题", "升级迁移", "数据备份", "界面操作"]),
    ("网络类", "", ["网络连接", "VPN 远程访问", "防火墙策略", "无线接入"]),
    ("服务请求", TicketType.SERVICE_REQUEST, ["上门安装", "备件更换", "巡检保养", "操作培训", "版本升级"]),
    ("咨询", TicketType.CONSULTATION, ["产品功能", "价格与合同", "保修政策"]),
    ("投诉", TicketType.COMPLAINT, ["服务态度", "响应超时", "维修质量"]),
    ("建议", TicketType.SUGGESTION, ["功能需求", "体验改进"]),
    ("其他", TicketType.OTHER, ["发票与资料", "信息变更"]),
]


@dataclass
class Reference:
    """What ticket generation needs of the reference data, read once so that no ticket costs a query.

    Ids for the ticket rows, and the User objects themselves for the actors of timeline events
    (tickets/events.py takes users, not ids): a few dozen staff and customer logins.
    """

    users: dict[str, int]  # staff username → id
    people: dict[int, User]  # id → User, staff and customer logins
    teams: dict[str, int]  # area → support group id
    team_names: dict[int, str]  # support group id → name
    supervisors: dict[int, int | None]  # support group id → its supervisor's id
    categories: dict[str, int]  # "硬件类/电源模块" → id
    models: dict[str, tuple[str, str, bool]]  # code → (display name, area, is_core)
    units: dict[str, list[tuple[int, int]]]  # model code → [(product id, organisation id)]
    organisations: list[tuple[int, bool]]  # (id, vip)
    vip: dict[int, bool]
    terms: dict[int, tuple[str, str]]  # organisation id → (tier, contract level): what SLA targets key on
    contacts: dict[int, list[tuple[int, int | None]]]  # organisation id → [(contact id, login user id)]
    logins: dict[int, int]  # organisation id → customer login user id
    director: int | None  # ASN-4: whom the resolution-overdue escalation goes to
    first_supervisor: int | None  # a ticket without a group escalates to the first supervisor


@transaction.atomic
def ensure_reference_data() -> list[str]:
    """Create whatever demo reference data is missing; return the usernames created now.

    Existing rows are left as they are (an administrator may have edited them since).
    """
    created = _ensure_staff()
    _ensure_product_models()
    _ensure_categories()
    _ensure_organisations()
    created += _ensure_customer_logins()
    return created


def _ensure_staff() -> list[str]:
    """One login per STAFF entry and the four support groups with their supervisor and members."""
    created = []
    users = {}
    for username, role, name, _area in STAFF:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = user_create(username=username, password=DEMO_PASSWORD, role=role, display_name=name,
                               email=f"{username}@serviceloop.example.com", check_password=False)
            created.append(username)
        users[username] = user
    for area, team_name in TEAM_NAMES.items():
        team, team_created = Team.objects.get_or_create(name=team_name,
                                                        defaults={"supervisor": users[SUPERVISORS[area]]})
        if team_created:
            team.members.add(*(users[u] for u, _role, _name, a in STAFF if a == area))
    return created


def _ensure_product_models() -> None:
    """The sold models, X-3000 and PWR-01 among them."""
    for code, name, kind, warranty, core, _area, _prefix, _versions in PRODUCT_MODELS:
        ProductModel.objects.get_or_create(code=code, defaults={"name": name, "kind": kind,
                                                                "warranty_months": warranty, "is_core": core})


def _ensure_categories() -> None:
    """The two-level category tree; a subtree tied to a ticket type ties its leaves too."""
    for root_order, (root_name, ticket_type, leaves) in enumerate(CATEGORY_TREE):
        root, _ = Category.objects.get_or_create(
            parent=None, name=root_name, defaults={"ticket_type": ticket_type, "sort_order": root_order * 10}
        )
        for leaf_order, leaf in enumerate(leaves):
            Category.objects.get_or_create(parent=root, name=leaf,
                                           defaults={"ticket_type": ticket_type, "sort_order": leaf_order})


def _person(rng: random.Random, taken: set[str]) -> tuple[str, str]:
    """A Chinese name not yet used in this organisation, and its pinyin for the e-mail address."""
    while True:
        (surname, s_py), (given, g_py) = rng.choice(SURNAMES), rng.choice(GIVEN_NAMES)
        if surname + given not in taken:
            taken.add(surname + given)
            return surname + given, f"{s_py}{g_py}"


def _mobile(rng: random.Random) -> str:
    """A mainland mobile number (138…, 139…, 186…)."""
    return f"{rng.choice(['138', '139', '136', '186', '159', '177'])}{rng.randrange(10**8):08d}"


def _ensure_organisations() -> None:
    """Organisations missing so far, each with contacts and owned products.

    Contacts and products are added only to organisations created now: an organisation that
    already existed keeps exactly what it has. Each organisation draws from its own random
    stream, so it comes out the same whichever others already exist.
    """
    existing = set(
        Organization.objects.filter(name__in=[o[0] for o in ORGANISATIONS]).values_list("name", flat=True)
    )
    models = {m.code: m for m in ProductModel.objects.filter(code__in=[p[0] for p in PRODUCT_MODELS])}
    today = timezone.localdate()
    for index, (name, industry, tier, level, city, domain) in enumerate(ORGANISATIONS):
        if name in existing:
            continue
        rng = random.Random(f"serviceloop-demo:{name}")
        area_code, districts = CITIES[city]
        org = Organization.objects.create(
            name=name, industry=industry, tier=tier, contract_level=level,
            phone=f"{area_code}-{rng.randrange(5000_0000, 8999_9999)}",
            address=f"{city}{rng.choice(districts)}{rng.choice(STREETS)}{rng.randrange(1, 999)}号",
        )
        names: set[str] = set()
        contacts = []
        for _ in range(rng.randint(2, 4)):
            person, pinyin = _person(rng, names)
            contacts.append(Contact(
                organization=org, name=person, phone=_mobile(rng), phone_customer_provided=rng.random() < 0.4,
                email=f"{pinyin}@{domain}.example.com", email_customer_provided=rng.random() < 0.3,
                title=rng.choice(JOB_TITLES),
            ))
        Contact.objects.bulk_create(contacts)
        # VIP customers own more equipment, which is also why they open more tickets.
        units = []
        for number in range(rng.randint(8, 12) if tier == Tier.VIP else rng.randint(3, 6)):
            code, _n, _k, _w, _c, _area, prefix, versions = rng.choice(PRODUCT_MODELS)
            bought = today - timedelta(days=rng.randint(60, 5 * 365))
            # The organisation's index and the unit's number make the serial unique among the demo's.
            units.append(CustomerProduct(
                organization=org, product_model=models[code],
                serial_number=f"{prefix}-{bought:%y%m}-{index:02d}{number:02d}{rng.randrange(1000):03d}",
                firmware_version=rng.choice(versions), purchase_date=bought,
                order_number=f"SO{bought:%Y%m%d}{rng.randrange(10000):04d}",
            ))
        # …but someone may have registered the same serial by hand: leave theirs alone.
        taken = set(CustomerProduct.objects.filter(serial_number__in=[u.serial_number for u in units])
                    .values_list("serial_number", flat=True))
        CustomerProduct.objects.bulk_create([u for u in units if u.serial_number not in taken])


def _ensure_customer_logins() -> list[str]:
    """customer1… : portal logins for one contact each of a few organisations."""
    created = []
    for username, org_name in CUSTOMER_LOGINS:
        org = Organization.objects.filter(name=org_name).first()
        if org is None or User.objects.filter(username=username).exists():
            continue
        contact = Contact.objects.filter(organization=org, user__isnull=True).order_by("id").first()
        if contact is None:
            contact = Contact.objects.create(organization=org, name="王芳", phone="13800138000")
        user = user_create(username=username, password=DEMO_PASSWORD, role=Role.CUSTOMER, organization=org,
                           display_name=contact.name, email=contact.email, check_password=False)
        contact.user = user
        contact.save(update_fields=["user", "updated_at"])
        created.append(username)
    return created


def load_reference() -> Reference:
    """Read the demo's reference rows in a handful of queries."""
    users = dict(User.objects.filter(username__in=[s[0] for s in STAFF]).values_list("username", "id"))
    teams_by_name = {t.name: t for t in Team.objects.filter(name__in=TEAM_NAMES.values())}
    teams = {area: teams_by_name[name].pk for area, name in TEAM_NAMES.items()}
    categories = {}
    for cat in Category.objects.select_related("parent").filter(
        parent__isnull=False, parent__parent__isnull=True
    ):
        categories[f"{cat.parent.name}/{cat.name}"] = cat.pk
    area_of = {p[0]: p[5] for p in PRODUCT_MODELS}
    models = {m.code: (f"{m.name} {m.code}", area_of[m.code], m.is_core)
              for m in ProductModel.objects.filter(code__in=area_of)}
    orgs = list(Organization.objects.filter(name__in=[o[0] for o in ORGANISATIONS]).order_by("id")
                .values_list("id", "tier", "contract_level"))
    vip = {pk: tier == Tier.VIP for pk, tier, _level in orgs}
    units: dict[str, list[tuple[int, int]]] = {code: [] for code in models}
    for pk, org_id, code in (
        CustomerProduct.objects.filter(organization_id__in=vip, product_model__code__in=models)
        .order_by("id")
        .values_list("id", "organization_id", "product_model__code")
    ):
        units[code].append((pk, org_id))
    contacts: dict[int, list[tuple[int, int | None]]] = {pk: [] for pk in vip}
    for pk, org_id, user_id in (Contact.objects.filter(organization_id__in=vip).order_by("id")
                                .values_list("id", "organization_id", "user_id")):
        contacts[org_id].append((pk, user_id))
    logins = {}
    for pk, org_id in (
        User.objects.filter(organization_id__in=vip, groups__name=Role.CUSTOMER, is_active=True)
        .order_by("id")
        .values_list("id", "organization_id")
    ):
        logins.setdefault(org_id, pk)
    login_ids = {u for cs in contacts.values() for _c, u in cs if u} | set(logins.values())
    people = {u.pk: u for u in User.objects.filter(pk__in=set(users.values()) | login_ids)}
    first_supervisor = (User.objects.filter(groups__name=Role.SUPERVISOR, is_active=True).order_by("id")
                        .values_list("id", flat=True).first())
    director = (User.objects.filter(groups__name=Role.DIRECTOR, is_active=True).order_by("id")
                .values_list("id", flat=True).first())
    return Reference(
        users=users, people=people, teams=teams,
        team_names={t.pk: t.name for t in teams_by_name.values()},
        supervisors={t.pk: t.supervisor_id for t in teams_by_name.values()},
        categories=categories, models=models, units=units,
        organisations=[(pk, vip[pk]) for pk, _tier, _level in orgs], vip=vip,
        terms={pk: (tier, level) for pk, tier, level in orgs}, contacts=contacts, logins=logins,
        director=director, first_supervisor=first_supervisor)
