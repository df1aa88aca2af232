"""Demo data for `serviceloop demo`: Chinese reference data once, then any number of tickets, fast.

Reference data (support groups, staff for every role, ~50 customer organisations with contacts
and products, the category tree) is created only when missing, so the command can run again and
simply add more tickets.

Tickets are not created through `ticket_create`: one call per ticket (permission checks, one
INSERT each, one event each) would take hours for a million. Instead each batch of tickets is
generated as plain Python rows and written with one multi-row statement per table — `executemany`
on SQLite, `COPY` on PostgreSQL — inside one transaction per batch. What `ticket_create` would
guarantee is kept by hand: numbers come from the same pattern and counter rows (`TicketSequence`,
reserved a block at a time with the same upsert `next_number` uses), the priority from
`compute_priority`, and every ticket gets its public `created` event.
"""

from __future__ import annotations

import json
import random
import re
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from serviceloop.accounts.models import Team, User
from serviceloop.accounts.roles import Role
from serviceloop.accounts.services import user_create
from serviceloop.assets.models import CustomerProduct, ProductKind, ProductModel
from serviceloop.customers.models import Contact, Industry, Organization, Tier
from serviceloop.search.reindex import reindex
from serviceloop.sla.services.clock import ticket_sla_backfill
from serviceloop.tickets.choices import (
    Channel,
    EventKind,
    ImpactScope,
    Priority,
    Status,
    SubStatus,
    TicketType,
    Urgency,
)
from serviceloop.tickets.models import Category, Ticket, TicketEvent, TicketSequence
from serviceloop.tickets.numbering import NumberPattern
from serviceloop.tickets.priority import compute_priority

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - printed on purpose: a shared demo login
BATCH_SIZE = 10_000
PROGRESS_EVERY = 100_000
DAYS = 365

# --- reference data ---------------------------------------------------------------------------

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
SUPERVISORS = {HARDWARE: "supervisor1", SOFTWARE: "supervisor2", NETWORK: "supervisor3", SERVICE: "supervisor4"}
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
    ("SSD-960", "企业级固态硬盘", ProductKind.COMPONENT, 36, False, HARDWARE, "SSD", ["FW 3.1.7", "FW 3.2.0"]),
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

# --- ticket texts (INT-4) ------------------------------------------------------------------------
# Texts are written as whole cases so that a title, its symptom, error code, steps and fix always
# belong together; profiles combine them per product model, so a million tickets read varied
# while choosing one costs a single list index. {m} is the product ("设备 X-3000").

# Fault cases per category leaf: (title, customer's symptom, error code, reproduction steps,
# engineer's finding, fix told to the customer), plus what customers typically tried first.
PROBLEMS = {
    "电源模块": dict(cases=[
        ("{m}无法开机，电源指示灯不亮", "按下电源键没有任何反应，电源指示灯不亮，风扇也不转", "电源指示灯不亮，无报错代码",
         "1. 断电 30 秒后重新上电\n2. 按下前面板电源键\n3. 电源指示灯不亮，风扇不转",
         "电源模块 PWR-01 无输出，判断为模块损坏", "已更换电源模块 PWR-01，设备上电测试 2 小时运行正常。"),
        ("{m}运行中突然断电重启", "运行过程中突然断电，随后自动重启，一天出现三四次", "提示错误代码 E101（电源欠压）",
         "1. 正常运行生产程序\n2. 负载升高约 10 分钟后\n3. 设备自动断电并重启",
         "车间供电电压波动，触发电源欠压保护", "已协助加装稳压电源并更换老化的电源线，连续观察两天未再重启。"),
        ("{m}电源告警灯闪烁", "前面板电源告警灯红色闪烁，机器还能运行，但机箱后部有焦糊味", "告警日志：PSU1 Failure",
         "1. 设备正常运行\n2. 查看前面板，电源告警灯红色闪烁\n3. 管理界面日志出现 PSU1 Failure",
         "1 号电源模块电容鼓包，冗余电源单路运行", "已更换 1 号电源模块，双路冗余恢复正常。"),
        ("{m}上电后风扇转一下就停", "上电后风扇转一下就停，屏幕没有任何显示", "提示错误代码 E105（输出过流保护）",
         "1. 接通电源\n2. 风扇启动约 1 秒后停止\n3. 屏幕无显示",
         "扩展板卡短路触发电源过流保护", "已更换短路的扩展板卡，电源输出恢复正常。"),
    ], tried=["已更换电源插座并重新插拔电源线，问题依旧。", "已用万用表测量插座电压正常（220V），更换电源线无效。"]),
    "主板": dict(cases=[
        ("{m}开机自检失败", "开机后卡在自检界面，屏幕提示主板错误", "提示错误代码 E201（主板自检失败）",
         "1. 开机\n2. 等待自检\n3. 停在 POST 界面并提示主板错误",
         "主板南桥芯片故障", "已更换主板 MB-220 并刷新 BIOS 至 2.20，连续运行 24 小时无异常。"),
        ("{m}频繁蓝屏死机", "每天蓝屏两三次，重启后能用一阵子", "蓝屏代码 0x0000007B",
         "1. 开机进入系统\n2. 运行采集软件约 1 小时\n3. 出现蓝屏",
         "内存插槽接触不良", "已清洁内存插槽并更换一根内存条，压力测试 8 小时无蓝屏。"),
        ("{m}开机 BIOS 报警", "开机时蜂鸣器长鸣三声，无法进入系统", "BIOS 报警：三长一短",
         "1. 按下电源键\n2. 蜂鸣器报警\n3. 无法进入系统",
         "CMOS 电池电量不足导致 BIOS 配置丢失", "已更换 CMOS 电池并重新配置 BIOS，开机自检正常。"),
    ], tried=["已重新插拔内存条、清除 CMOS，问题依旧。", "已恢复 BIOS 默认设置，仍偶发死机。"]),
    "显示屏": dict(cases=[
        ("{m}屏幕花屏", "屏幕出现横向条纹并闪烁，看不清操作界面", "屏幕横纹闪烁，无报错代码",
         "1. 开机进入主界面\n2. 运行约 5 分钟\n3. 屏幕开始出现横纹",
         "屏线接口松动，屏线有磨损", "已更换屏线并加固接口，显示恢复正常。"),
        ("{m}触摸屏无响应", "触摸屏点击没有反应，外接鼠标可以操作", "触摸校准失败（错误码 TP-02）",
         "1. 进入任意操作界面\n2. 点击屏幕按钮\n3. 无任何响应",
         "触摸控制器固件异常", "已升级触摸控制器固件至 TP 1.6 并重新校准，触摸恢复正常。"),
        ("{m}显示屏黑屏但设备仍在运行", "设备指示灯正常，但显示屏完全黑屏", "背光不亮，无报错代码",
         "1. 开机\n2. 设备指示灯正常\n3. 显示屏无背光",
         "显示屏背光板损坏", "已更换触控显示屏 LCD-15，现场测试显示与触摸均正常。"),
    ], tried=["已重新插拔视频线、调整分辨率，无改善。", "已重启设备多次，问题依旧。"]),
    "风扇散热": dict(cases=[
        ("{m}风扇噪音大并报过温", "风扇声音很大，机身发烫，下午经常报温度告警", "提示错误代码 E203（过温保护）",
         "1. 设备连续运行 2 小时以上\n2. 环境温度超过 28℃\n3. 触发过温告警",
         "风道积灰严重，散热不良", "已现场清理风道和滤网，满载测试温度稳定在 65℃ 以下，建议每季度清洁一次。"),
        ("{m}高温告警后自动降频", "设备提示温度过高，随后运行明显变慢", "风扇转速异常：FAN2 0 RPM",
         "1. 满负载运行\n2. 约 30 分钟后出现温度告警\n3. 处理速度明显下降",
         "散热风扇 FAN2 停转导致过温降频", "已更换散热风扇组件 FAN-08，温度与性能恢复正常。"),
    ], tried=["已清理机箱外部灰尘，开空调降低机房温度，告警仍会出现。"]),
    "存储硬盘": dict(cases=[
        ("{m}硬盘故障告警", "管理界面显示一块硬盘状态为故障", "SMART 告警：重映射扇区数过高",
         "1. 登录设备管理界面\n2. 进入存储状态页面\n3. 2 号盘显示故障",
         "2 号盘坏道持续增加", "已更换 2 号硬盘并完成数据重建，数据完整。"),
        ("{m} RAID 阵列降级", "阵列处于降级状态，担心数据丢失", "RAID 状态 Degraded，Disk 2 Failed",
         "1. 登录设备管理界面\n2. 进入存储状态页面\n3. 阵列状态显示 Degraded",
         "2 号盘离线导致阵列降级", "已更换故障硬盘并完成 RAID 重建，阵列状态 Optimal。"),
        ("{m}磁盘读写非常慢", "拷贝一个 1GB 的文件要十几分钟，系统经常卡住", "提示错误代码 E310（磁盘 I/O 超时）",
         "1. 从设备拷贝 1GB 测试文件\n2. 耗时超过 10 分钟\n3. 系统日志出现 E310",
         "固态硬盘固件存在已知缺陷", "已升级硬盘固件至 FW 3.2.0，读写性能恢复正常。"),
    ], tried=["已重启设备，告警仍然存在。", "已备份重要数据，未做其他操作。"]),
    "接口板卡": dict(cases=[
        ("{m}串口板卡无法识别", "设备管理器里看不到串口板卡，PLC 无法通讯", "设备管理器提示“未知设备”",
         "1. 开机\n2. 打开设备管理器\n3. 串口板卡显示为未知设备",
         "板卡金手指氧化，接触不良", "已清洁板卡金手指并更新驱动，通讯恢复正常。"),
        ("{m}网口板卡间歇性断开", "扩展网口每隔一两个小时断开一次，需要重启才能恢复", "提示错误代码 E402（扩展板卡离线）",
         "1. 设备正常运行\n2. 约 1~2 小时后扩展网口断开\n3. 重启后恢复",
         "网口板卡 PHY 芯片故障", "已更换接口板卡，连续观察 48 小时无断开。"),
    ], tried=["已重装驱动并更换 PCIe 插槽，无效。"]),
    "安装部署": dict(cases=[
        ("{m}安装过程中报错", "按照安装手册部署到最后一步时报错退出", "安装程序报错：数据库初始化失败（错误码 1045）",
         "1. 运行安装程序\n2. 选择“典型安装”\n3. 初始化数据库时报错",
         "数据库账号没有建表权限", "已协助授予数据库账号建表权限并完成初始化，系统可正常登录。"),
        ("{m}部署后服务无法启动", "安装完成后服务启动失败，浏览器打不开登录页面", "服务启动失败：端口 8080 已被占用",
         "1. 安装完成后启动服务\n2. 查看服务状态为已停止\n3. 日志提示端口被占用",
         "端口与服务器上已有的 Tomcat 冲突", "已将服务端口改为 8090 并重启，登录正常。"),
        ("{m}登录页面报错", "部署完成后打开登录页面，页面提示服务器内部错误", "提示错误代码500",
         "1. 浏览器访问系统地址\n2. 输入账号密码登录\n3. 页面提示错误代码500",
         "配置文件中的数据库密码含特殊字符未转义", "已修正配置文件并重启服务，登录恢复正常。"),
        ("{m}客户端无法连接数据库", "新装的客户端连接服务器时一直转圈，最后提示连接失败", "ORA-12541: TNS 无监听程序",
         "1. 打开客户端\n2. 填写服务器地址\n3. 测试连接失败",
         "数据库监听未随系统自动启动", "已启动数据库监听并设置为开机自启，客户端连接正常。"),
    ], tried=["已按手册重新安装两次，报错一致。", "已关闭防火墙后重试，问题依旧。"]),
    "授权许可": dict(cases=[
        ("{m}提示许可证已过期", "今天早上登录时提示许可证已过期，所有人都进不去", "提示“许可证已过期（LIC-403）”",
         "1. 打开登录页面\n2. 输入账号密码\n3. 提示许可证已过期",
         "续费后的许可证文件未导入", "已重新签发许可证并远程导入，登录恢复正常。"),
        ("{m}新增用户时提示授权数不足", "新入职员工开账号时提示授权用户数已满", "提示错误代码 LIC-409（并发用户数已达上限）",
         "1. 进入“系统管理 > 用户”\n2. 点击新增用户\n3. 提示授权数已达上限",
         "合同授权 100 个并发用户，已全部占用", "已按补充合同扩容 50 个并发用户授权。"),
        ("{m}更换服务器后授权失效", "服务器硬件更换后软件提示授权无效", "授权校验失败：机器码不匹配",
         "1. 在新服务器上启动服务\n2. 打开登录页面\n3. 提示授权校验失败",
         "服务器更换导致机器码变化", "已按新机器码重新签发授权，系统恢复使用。"),
    ], tried=["已重启服务器，问题依旧。", "已联系销售确认合同已续签。"]),
    "性能问题": dict(cases=[
        ("{m}月底报表查询非常慢", "月底出报表时查询一次要等好几分钟，经常超时", "页面响应超过 30 秒",
         "1. 进入“报表 > 月度汇总”\n2. 选择本月\n3. 点击查询，等待超过 30 秒",
         "报表 SQL 缺少索引导致全表扫描", "已为报表查询添加索引，查询时间降至 3 秒内。"),
        ("{m}高峰期页面卡顿", "上午 9 点到 10 点之间页面打开特别慢", "HTTP 504 Gateway Timeout",
         "1. 工作日上午 9 点登录系统\n2. 打开任意列表页面\n3. 页面长时间加载后报 504",
         "应用服务器 JVM 内存配置过小，频繁 Full GC", "已调整 JVM 参数并增加一个应用节点，高峰期响应恢复正常。"),
        ("{m}数据同步延迟严重", "车间数据同步到系统要延迟半小时以上", "同步队列积压超过 5 万条",
         "1. 在车间终端提交一条报工\n2. 在系统中查询该记录\n3. 30 分钟后才出现",
         "同步任务单线程处理，批量过小", "已优化同步任务批量大小并开启并行处理，延迟降至 1 分钟内。"),
    ], tried=["已重启应用服务，短时间内有改善。", "已清理历史日志，效果不明显。"]),
    "升级迁移": dict(cases=[
        ("{m}升级后无法登录", "昨晚按通知升级到新版本，今天所有人都登录不了", "登录报错：Token 校验失败（AUTH-401）",
         "1. 执行升级包\n2. 重启服务\n3. 登录时报 AUTH-401",
         "升级脚本未执行完整，缺少一张配置表", "已补执行升级脚本并修复配置表，登录恢复。"),
        ("{m}数据迁移后部分历史数据缺失", "迁移到新服务器后，去年的历史数据查不到", "迁移日志：外键约束失败",
         "1. 使用迁移工具导入历史数据\n2. 查看迁移日志\n3. 部分表导入失败",
         "迁移工具版本与数据库版本不匹配", "已使用新版迁移工具补迁历史数据，核对无缺失。"),
    ], tried=["已尝试回滚，但回滚脚本也报错。"]),
    "数据备份": dict(cases=[
        ("{m}自动备份任务失败", "最近一周的自动备份都显示失败", "备份任务返回码 2：磁盘空间不足",
         "1. 进入“系统管理 > 备份”\n2. 查看任务历史\n3. 最近 7 次均失败",
         "备份目录所在分区已满", "已清理过期备份并配置保留策略，备份恢复正常。"),
        ("{m}备份文件无法恢复", "测试恢复上月备份时报错，无法恢复", "恢复报错：备份文件校验失败",
         "1. 选择上月全量备份\n2. 执行恢复\n3. 提示校验失败",
         "备份过程中网络存储断开导致文件不完整", "已重新执行全量备份并验证可恢复，同时增加备份完成校验。"),
    ], tried=["已手动执行备份，同样失败。"]),
    "界面操作": dict(cases=[
        ("{m}导出 Excel 中文乱码", "导出的 Excel 打开后中文全是乱码", "导出文件中文显示为乱码",
         "1. 进入列表页\n2. 点击“导出 Excel”\n3. 用 Excel 2010 打开文件",
         "导出编码为 UTF-8 无 BOM，旧版 Excel 无法识别", "已发布补丁，导出改为带 BOM 的 UTF-8 编码。"),
        ("{m}打印单据格式错位", "打印出库单时内容错位，超出纸张边界", "打印预览正常，实际打印错位",
         "1. 打开出库单\n2. 点击打印\n3. 打印结果内容右移超出边界",
         "打印机驱动纸张设置与模板不一致", "已调整打印模板边距并统一纸张设置，打印正常。"),
        ("{m}页面显示错位", "用 360 浏览器打开时按钮重叠，有些功能点不了", "兼容模式下页面布局错乱",
         "1. 用 360 安全浏览器打开系统\n2. 进入工单列表\n3. 按钮重叠无法点击",
         "浏览器使用了 IE 兼容内核", "已指导切换为极速模式，并在系统中增加内核提示。"),
    ], tried=["已清除浏览器缓存，无效。", "已换用 WPS 打开，显示正常。"]),
    "网络连接": dict(cases=[
        ("{m}频繁掉线", "设备每隔十几分钟就离线一次，过一会儿又自动恢复", "提示错误代码 NET-1101（心跳超时）",
         "1. 设备接入生产网络\n2. 观察管理平台在线状态\n3. 每隔十几分钟离线一次",
         "光模块老化导致链路不稳定", "已更换光模块并调整端口双工模式，观察 2 小时无掉线。"),
        ("{m}与服务器之间丢包严重", "从车间 ping 服务器丢包很严重，系统经常卡顿", "ping 丢包率 30%",
         "1. 在车间终端执行 ping 服务器 -t\n2. 持续观察 10 分钟\n3. 间歇性出现请求超时",
         "接入层存在环路，生成树频繁收敛", "已开启环路检测并修正接线，网络恢复稳定。"),
        ("{m}端口间歇性断开", "某个端口反复 up/down，连接的设备时好时坏", "端口 GE0/0/3 频繁 up/down",
         "1. 登录设备查看日志\n2. 端口 GE0/0/3 每隔几分钟 down 一次\n3. 更换网线后依旧",
         "端口协商异常", "已将端口固定为千兆全双工，端口状态稳定。"),
    ], tried=["已更换网线，问题依旧。", "已重启设备，短时间恢复后再次出现。"]),
    "VPN 远程访问": dict(cases=[
        ("分支机构通过{m}连接总部 VPN 失败", "分公司同事今天开始连不上总部 VPN", "VPN 错误 809",
         "1. 打开 VPN 客户端\n2. 点击连接\n3. 约 30 秒后提示错误 809",
         "运营商更换了公网 IP，对端地址未更新", "已更新对端地址并重新协商，隧道恢复。"),
        ("{m} IPSec 隧道频繁中断", "总部与工厂之间的隧道每天断好几次", "IKE 协商失败：Phase 1 超时",
         "1. 查看隧道状态\n2. 每隔数小时隧道中断\n3. 日志显示 Phase 1 超时",
         "两端 DPD 参数不一致导致隧道被误拆", "已统一两端 DPD 参数，隧道保持稳定。"),
    ], tried=["已重启路由器和客户端电脑。"]),
    "防火墙策略": dict(cases=[
        ("{m}策略调整后业务系统访问不通", "昨晚网络调整后，门店收银系统连不上总部服务器", "连接被拒绝：ACL deny",
         "1. 从门店终端访问总部系统\n2. 浏览器提示连接被拒绝",
         "新策略顺序错误，拒绝规则优先匹配", "已调整策略顺序，门店访问恢复。"),
        ("{m}开放端口后外网仍无法访问", "已申请开放 443 端口，但外网仍无法访问", "TCP 443 连接超时",
         "1. 从外网访问 https://门户地址\n2. 连接超时",
         "NAT 映射缺失", "已补充 NAT 映射，外网访问正常。"),
    ], tried=["已确认服务器本身运行正常。"]),
    "无线接入": dict(cases=[
        ("{m}无法上线", "新装的 AP 一直不上线，管理平台显示离线", "AP 状态 offline",
         "1. AP 上电\n2. 等待 5 分钟\n3. 管理平台仍显示离线",
         "AP 与控制器版本不兼容", "已升级 AP 固件至 V3.1.2 并重新注册上线。"),
        ("仓库{m}信号时有时无", "仓库里扫码枪经常断网，盘点进行不下去", "终端认证失败：802.1X 超时",
         "1. 手持扫码枪在仓库走动\n2. 在货架区频繁断网",
         "信道干扰严重，覆盖不足", "已调整信道并增补 2 台 AP，覆盖正常。"),
    ], tried=["已重启 AP 和控制器。"]),
}
# Which fault categories fit which model; components and network devices fail in their own way.
MODEL_PROBLEMS = {
    "X-3000": ["电源模块", "主板", "显示屏", "风扇散热", "存储硬盘", "接口板卡", "网络连接"],
    "X-5000": ["电源模块", "主板", "风扇散热", "存储硬盘", "接口板卡", "网络连接"],
    "K-200": ["电源模块", "主板", "显示屏", "接口板卡"],
    "PWR-01": ["电源模块"], "MB-220": ["主板"], "LCD-15": ["显示屏"], "FAN-08": ["风扇散热"], "SSD-960": ["存储硬盘"],
    "GW-500": ["网络连接", "VPN 远程访问", "防火墙策略"],
    "SW-24G": ["网络连接", "防火墙策略"],
    "AP-610": ["无线接入", "网络连接"],
    "SL-ERP": ["安装部署", "授权许可", "性能问题", "升级迁移", "数据备份", "界面操作"],
    "SL-MES": ["安装部署", "授权许可", "性能问题", "升级迁移", "数据备份", "界面操作"],
    "SL-MON": ["安装部署", "授权许可", "性能问题", "升级迁移"],
    "SL-APP": ["授权许可", "升级迁移", "界面操作"],
}

# Non-fault tickets: (category leaf, model families it fits or None for no product,
# [(title, customer's description)], answer). Families: machine, netdev, component, software.
OTHER_TYPES = {
    TicketType.SERVICE_REQUEST: [
        ("上门安装", {"machine", "netdev"},
         [("申请上门安装调试{m}", "我们新采购的{m}已经到货，希望安排工程师下周上门安装调试，并给操作人员做简单培训。"),
          ("新购{m}到货，申请安装", "新采购的{m}昨天到货，机房已准备好，请尽快安排工程师上门安装。")],
         "已安排工程师上门完成安装调试，并现场讲解日常操作要点。"),
        ("备件更换", {"component"},
         [("申请更换{m}", "设备里的{m}已确认损坏，申请寄送备件并安排工程师更换。")],
         "备件已寄出并由工程师现场更换完毕，旧件已回收。"),
        ("备件更换", {"machine"},
         [("{m}易损件到期更换", "按保养计划，{m}的滤网和风扇等易损件需要更换，请安排备件。")],
         "易损件已更换完毕，并更新了设备保养记录。"),
        ("巡检保养", {"machine", "netdev"},
         [("申请{m}年度巡检保养", "合同约定每年一次巡检，请安排本月上门巡检{m}。"),
          ("{m}季度巡检预约", "本季度的{m}巡检请安排在周五下午，届时产线停机检修。")],
         "已完成现场巡检，出具巡检报告，设备状态良好。"),
        ("操作培训", {"machine", "software"},
         [("申请{m}操作培训", "新入职 8 名操作员，希望安排一次{m}操作培训，线上线下均可。")],
         "已完成 2 小时线上培训，培训材料已发送至客户邮箱。"),
        ("版本升级", {"software"},
         [("申请将{m}升级到最新版本", "听说新版本修复了报表导出的问题，希望安排周末远程升级{m}。")],
         "已于周六晚完成远程升级，升级后功能验证正常。"),
        ("版本升级", {"netdev", "machine"},
         [("申请升级{m}固件", "厂家通知{m}固件有安全漏洞修复，请安排维护窗口升级固件。")],
         "已在维护窗口内完成固件升级，业务验证正常。"),
    ],
    TicketType.CONSULTATION: [
        ("产品功能", {"machine"},
         [("咨询{m}是否支持双电源冗余", "我们机房要求关键设备双路供电，想了解{m}是否支持双电源冗余。"),
          ("咨询{m}最多支持几路扩展", "产线要扩容，想了解{m}最多能接几块扩展板卡。")],
         "您好，{m}支持该配置，具体参数请参考产品规格书第 2 章，如需方案可联系客户经理。"),
        ("产品功能", {"software"},
         [("咨询{m}能否对接企业微信", "我们内部用企业微信办公，想知道{m}的消息能不能推送到企业微信。"),
          ("咨询{m}的数据能否导出到 Excel", "财务需要定期导出明细，{m}能不能批量导出到 Excel？"),
          ("咨询{m}是否支持国产操作系统", "单位要做信创改造，{m}能否部署在麒麟或统信系统上？")],
         "您好，{m}支持该功能，具体配置步骤请参考用户手册第 3 章，如需远程协助可随时联系我们。"),
        ("产品功能", {"netdev"},
         [("咨询{m}是否支持 IPv6", "按上级要求要开通 IPv6，想确认{m}是否支持。"),
          ("咨询{m}能否配置双机热备", "核心链路想做冗余，{m}能不能两台做双机热备？")],
         "您好，{m}支持该功能，配置指导已发送至您的邮箱。"),
        ("价格与合同", None,
         [("咨询续签维保合同的价格", "我们的维保合同下个月到期，想了解续签价格和服务内容有没有变化。"),
          ("咨询从银牌升级到金牌服务的费用", "想了解从银牌服务升级到金牌服务需要多少费用，响应时间有什么区别。"),
          ("询问增加 50 个用户授权的报价", "公司扩编，需要再增加 50 个用户授权，请提供报价。")],
         "您好，报价单已发送至您的邮箱，客户经理会在两个工作日内与您联系。"),
        ("保修政策", {"machine", "netdev", "component"},
         [("咨询{m}是否还在保修期内", "我们的{m}是前年买的，想确认一下现在还在不在保修期内。"),
          ("咨询{m}过保后维修如何收费", "{m}快过保了，想了解过保后维修怎么收费，能不能续保。")],
         "您好，已根据序列号查询保修状态并回复，过保维修按备件成本加工时收费，也可购买延保。"),
    ],
    TicketType.COMPLAINT: [
        ("响应超时", None,
         [("工单提交三天无人处理", "上周报修的问题到现在都没人联系我们，打热线也只说在排队，严重影响生产，非常不满意！"),
          ("报修后工程师迟迟未联系", "前天报修的故障，说好 4 小时内联系，到现在都没有消息。")],
         "非常抱歉给您带来不便，我们已核实原因并安排主管专人跟进，今后将严格执行响应时限。"),
        ("服务态度", None,
         [("热线客服态度差，多次转接", "打了三次热线都被转来转去，没有人能说清楚什么时候处理。"),
          ("上门工程师迟到两小时且未提前通知", "约好上午 9 点上门，工程师 11 点才到，也没有提前打电话。")],
         "非常抱歉，我们已对相关人员进行通报并安排主管回访，同时调整了上门预约提醒流程。"),
        ("维修质量", {"machine", "netdev", "component"},
         [("{m}同一故障反复出现第三次", "{m}同样的故障已经修了三次，每次修好用不了几天又坏，要求给出彻底的解决方案。"),
          ("更换的{m}仍有问题，要求整机更换", "上周刚换的{m}又出现同样的问题，要求直接更换整机。")],
         "已安排技术负责人现场复核，更换整机并延长保修 6 个月，后续安排专人回访。"),
    ],
    TicketType.SUGGESTION: [
        ("功能需求", {"software"},
         [("建议{m}增加批量导入功能", "我们每个月都要手工录入上百条数据，建议{m}提供 Excel 批量导入，能省不少时间。"),
          ("希望{m}报表支持按月自动发送邮件", "每月初都要手动导出报表发给领导，希望{m}能定时自动发送。"),
          ("希望{m}告警能推送到钉钉", "值班人员都用钉钉，希望{m}的告警能直接推送到钉钉群。")],
         "感谢建议，产品经理已评估并纳入下一版本规划，预计在 Q3 版本中提供。"),
        ("功能需求", {"machine", "netdev"},
         [("建议{m}支持远程开关机", "设备分布在多个厂区，建议{m}支持远程开关机，减少现场跑动。")],
         "感谢建议，该需求已提交硬件产品线评估，评估结论会在一个月内答复。"),
        ("体验改进", {"software"},
         [("建议{m}手机端支持离线填写", "现场网络不好的时候没法用，建议{m}支持离线填写、联网后自动同步。"),
          ("建议{m}界面字体可调大", "车间师傅年纪大，看不清，建议{m}支持调大字体。")],
         "感谢反馈，该改进已记录到需求池，我们会在评估后答复具体排期。"),
        ("体验改进", None,
         [("建议提供更详细的中文操作手册", "现在的手册太简略，很多报错找不到说明，建议补充常见问题章节。")],
         "感谢反馈，新版中文手册已在编写中，发布后会第一时间发送给您。"),
    ],
    TicketType.OTHER: [
        ("发票与资料", None,
         [("申请开具上季度维保费增值税专用发票", "财务需要上季度维保费的专票，开票信息和之前一致，麻烦尽快开具。"),
          ("请提供产品说明书和合格证扫描件", "审计需要设备的说明书和合格证，请发扫描件到我的邮箱。"),
          ("申请提供设备出厂检测报告", "验收需要设备出厂检测报告，请提供盖章版本。")],
         "资料已整理并发送至您的邮箱，纸质版已通过快递寄出。"),
        ("信息变更", None,
         [("我司联系人变更，请更新联系方式", "原对接人已离职，后续请联系新的设备管理员，联系方式见附件。"),
          ("申请变更收货地址", "公司搬迁到新园区，后续备件请寄到新地址。")],
         "已更新贵司信息，后续通知和备件将按新信息发送。"),
    ],
}

GREETINGS = ["您好，", "你好，", ""]
CLOSINGS = ["麻烦尽快安排工程师处理，谢谢！", "生产比较急，请尽快处理。", "请尽快联系我们。", "辛苦尽快看一下。"]
ENV = {
    HARDWARE: ["{m}，固件 {v}；机房温度 {t}℃，UPS 供电", "{m}，固件 {v}；车间现场，市电直供",
               "{m}，固件 {v}；双路市电，机柜安装"],
    SOFTWARE: ["Windows Server 2019 / SQL Server 2017 / {m} {v}", "麒麟 V10 SP2 / 达梦 DM8 / {m} {v}",
               "CentOS 7.9 / PostgreSQL 13 / {m} {v}", "统信 UOS 20 / MySQL 8.0 / {m} {v}",
               "Windows 10 专业版 / Chrome 120 / {m} {v}"],
    NETWORK: ["{m}，固件 {v}；上联核心交换机，电信专线 200M", "{m}，固件 {v}；双 WAN 口，联通 + 移动",
              "{m}，固件 {v}；厂区光纤环网"],
}

# (business interrupted, users affected low, high, impact text) per urgency (CLS-2).
IMPACTS = {
    Urgency.CRITICAL: [(True, 200, 3000, "整条生产线停产，约 {n} 人无法作业，每小时损失约 20 万元"),
                       (True, 300, 2000, "核心业务系统全部不可用，约 {n} 名用户受影响"),
                       (True, 100, 1500, "所有门店无法收银，影响约 {n} 名员工及大量顾客")],
    Urgency.URGENT: [(True, 20, 300, "一条产线停工，影响 {n} 名员工"),
                     (True, 10, 200, "分支机构业务中断，约 {n} 人无法办公"),
                     (True, 30, 400, "对外服务窗口暂停受理，约 {n} 人受影响")],
    Urgency.IMPORTANT: [(False, 5, 80, "部分用户（约 {n} 人）使用受影响，可临时绕过"),
                        (False, 3, 40, "报表延迟出具，影响 {n} 名业务人员工作效率"),
                        (False, 5, 60, "备用设备可顶替，但效率下降，约 {n} 人受影响")],
    Urgency.NORMAL: [(False, 0, 3, "暂不影响正常业务"), (False, 1, 5, "仅个别用户（{n} 人）受影响，不影响业务")],
}

FIRST_REPLIES = ["您好，已收到您的反馈，我们正在安排工程师排查，请保持电话畅通。",
                 "您好，工单已受理。为便于定位问题，请提供设备序列号和故障时的照片或日志。",
                 "您好，我们已远程查看了日志，工程师稍后会电话联系您确认现场情况。",
                 "您好，您的问题已转交专业工程师处理，预计 2 小时内给您初步答复。"]
NOTES = {
    HARDWARE: ["远程查看告警日志，怀疑硬件故障，需上门检测。", "已确认备件库存，华东仓有货，可次日送达。",
               "现场测量输入电压正常，故障定位在设备内部。"],
    SOFTWARE: ["已收集应用日志和数据库慢查询日志，正在分析。", "测试环境可复现，已提交研发确认。",
               "与客户确认版本号及最近变更记录，排除网络因素。"],
    NETWORK: ["抓包显示存在大量重传，怀疑链路质量问题。", "已远程登录设备查看端口统计，CRC 错误计数持续增加。",
              "与运营商确认线路无异常。"],
    SERVICE: ["已调取通话录音和历史工单，核实客户反映情况属实。", "已与客户经理沟通，安排主管回访。",
              "客户情绪较激动，需在今天内给出明确答复。"],
}
FEEDBACK = [("客户表示问题仍然存在，同意明天上午安排上门", "安排工程师明早 9 点上门，携带备件"),
            ("客户已按指导操作，现象有所缓解", "继续观察 24 小时后回访"),
            ("客户提供了故障照片和日志", "提交二线工程师分析"),
            ("客户希望尽快给出书面处理方案", "今天下班前发送处理方案邮件")]
CUSTOMER_REPLIES = ["请问什么时候能上门？我们这边比较急。", "日志和照片已经发到邮箱，请查收。", "好的，我们这边等你们的消息。"]
CONFIRMATIONS = ["已经恢复正常了，谢谢！", "确认问题已解决，感谢工程师的耐心处理。", "测试没问题了，可以关闭工单。"]
REOPEN_REASONS = ["问题又出现了，今天上午又发生了一次。", "更换后只好了两天，现在还是同样的现象。"]
ESCALATION_NOTES = ["一线处理未能解决，升级至二线技术负责人。", "涉及软件缺陷，需研发介入分析。",
                    "客户为金牌合同且影响生产，升级处理。"]
PENDING_NOTES = ["已确认为产品缺陷，修复将包含在下个版本中。", "等待厂商提供新版固件，预计下月发布。"]
OVERRIDE_REASONS = ["金牌客户，客户总经理亲自来电催办", "影响客户月底结算，主管决定提级处理", "同类问题多家客户反馈，提级统一处理"]

# --- ticket mix ---------------------------------------------------------------------------------

TYPE_WEIGHTS = [(TicketType.PROBLEM, 55), (TicketType.SERVICE_REQUEST, 15), (TicketType.CONSULTATION, 15),
                (TicketType.SUGGESTION, 6), (TicketType.COMPLAINT, 5), (TicketType.OTHER, 4)]
URGENCY_WEIGHTS = {
    TicketType.PROBLEM: [(Urgency.CRITICAL, 5), (Urgency.URGENT, 20), (Urgency.IMPORTANT, 35), (Urgency.NORMAL, 40)],
    TicketType.COMPLAINT: [(Urgency.URGENT, 20), (Urgency.IMPORTANT, 50), (Urgency.NORMAL, 30)],
    TicketType.SERVICE_REQUEST: [(Urgency.IMPORTANT, 25), (Urgency.NORMAL, 75)],
}
DEFAULT_URGENCY = [(Urgency.IMPORTANT, 5), (Urgency.NORMAL, 95)]
IMPACT_WEIGHTS = {
    TicketType.PROBLEM: [(ImpactScope.SINGLE, 85), (ImpactScope.MULTIPLE, 12), (ImpactScope.GLOBAL, 3)],
}
DEFAULT_IMPACT = [(ImpactScope.SINGLE, 97), (ImpactScope.MULTIPLE, 3)]
CHANNEL_WEIGHTS = [(Channel.PHONE, 35), (Channel.EMAIL, 20), (Channel.PORTAL, 25), (Channel.API, 12),
                   (Channel.ONSITE, 8)]
# Old tickets are nearly all closed; the open backlog sits in the last weeks. (max age in days, weights)
STATUS_BY_AGE = [
    (2, {Status.NEW: 20, Status.ACCEPTED: 20, Status.IN_PROGRESS: 30, Status.ESCALATED: 5, Status.PENDING: 2,
         Status.RESOLVED: 13, Status.REOPENED: 2, Status.CLOSED: 8}),
    (7, {Status.NEW: 5, Status.ACCEPTED: 10, Status.IN_PROGRESS: 30, Status.ESCALATED: 6, Status.PENDING: 5,
         Status.RESOLVED: 22, Status.REOPENED: 4, Status.CLOSED: 18}),
    (30, {Status.NEW: 1, Status.ACCEPTED: 2, Status.IN_PROGRESS: 12, Status.ESCALATED: 4, Status.PENDING: 6,
          Status.RESOLVED: 15, Status.REOPENED: 3, Status.CLOSED: 57}),
    (DAYS + 1, {Status.NEW: 0.02, Status.ACCEPTED: 0.05, Status.IN_PROGRESS: 0.6, Status.ESCALATED: 0.2,
                Status.PENDING: 0.8, Status.RESOLVED: 0.3, Status.REOPENED: 0.1, Status.CLOSED: 97.93}),
]
SUB_STATUS_WEIGHTS = {
    HARDWARE: [(SubStatus.CONTACTED, 25), (SubStatus.DIAGNOSED, 20), (SubStatus.WAITING_PARTS, 12),
               (SubStatus.WAITING_CUSTOMER, 15), (SubStatus.PICKED_UP, 6), (SubStatus.REPAIRING, 15),
               (SubStatus.SHIPPED, 7)],
    # Pick-up, repair and shipping back only happen to physical units.
    "other": [(SubStatus.CONTACTED, 40), (SubStatus.DIAGNOSED, 30), (SubStatus.WAITING_CUSTOMER, 30)],
}
HARDWARE_ONLY_SUBS = {SubStatus.WAITING_PARTS, SubStatus.PICKED_UP, SubStatus.REPAIRING, SubStatus.SHIPPED}
# Showcase tickets (see TicketGenerator._showcase): statuses from the oldest to the newest ticket.
SHOWCASE_ORDER = [Status.CLOSED.value, Status.RESOLVED.value, Status.REOPENED.value, Status.PENDING.value,
                  Status.ESCALATED.value, Status.IN_PROGRESS.value, Status.ACCEPTED.value, Status.NEW.value]
SHOWCASE_DAYS = 45
# Seconds from creation to acknowledgement, first reply, and resolution, by priority (low, high).
PACE = {
    Priority.URGENT: ((120, 900), (60, 1800), (3600, 12 * 3600)),
    Priority.HIGH: ((300, 3600), (300, 2 * 3600), (4 * 3600, 2 * 86400)),
    Priority.MEDIUM: ((900, 4 * 3600), (900, 8 * 3600), (8 * 3600, 5 * 86400)),
    Priority.LOW: ((1800, 86400), (1800, 86400), (86400, 10 * 86400)),
}
PRIORITY_UP = {Priority.LOW.value: Priority.MEDIUM.value, Priority.MEDIUM.value: Priority.HIGH.value,
               Priority.HIGH.value: Priority.URGENT.value}
TIMELINE_SHARE = 0.15  # share of tickets older than a month that get a full timeline
RECENT_DAYS = 30  # every ticket this recent gets a full timeline: those are the ones people open
# National holidays when almost nobody opens tickets (春节 moves; the table covers the demo's years).
HOLIDAYS = {(10, d) for d in range(1, 8)} | {(5, d) for d in range(1, 6)}
SPRING_FESTIVAL = {2025: (date(2025, 1, 28), date(2025, 2, 4)), 2026: (date(2026, 2, 15), date(2026, 2, 23)),
                   2027: (date(2027, 2, 5), date(2027, 2, 11)), 2028: (date(2028, 1, 25), date(2028, 2, 2))}
HOUR_WEIGHTS = [0.05] * 7 + [0.3, 0.8, 1.6, 1.6, 1.6, 0.8, 1.0, 1.5, 1.5, 1.5, 1.5, 0.8, 0.4, 0.4, 0.4, 0.15, 0.15]

TICKET_FIELDS = [
    "id", "number", "title", "description", "objective_description", "error_code", "occurred_at",
    "reproduction_steps", "environment", "business_interrupted", "affected_users", "business_impact",
    "tried_steps", "channel", "ticket_type", "category", "urgency", "impact_scope", "priority",
    "priority_overridden", "expedite", "status", "sub_status", "pending_until", "organization", "contact",
    "product", "owner", "group", "created_by", "created_at", "updated_at", "accepted_at",
    "first_response_at", "resolved_at", "closed_at",
]
EVENT_FIELDS = ["ticket", "kind", "actor", "created_at", "is_public", "body", "data"]
NUMBER_COLUMN = TICKET_FIELDS.index("number")


# --- results ------------------------------------------------------------------------------------

@dataclass
class DemoSummary:
    """What one run wrote and how long each part took (seconds)."""

    tickets: int = 0
    events: int = 0
    co_handlers: int = 0
    reference_seconds: float = 0.0
    ticket_seconds: float = 0.0
    total_tickets: int = 0
    created_users: list[str] = field(default_factory=list)


@dataclass
class Reference:
    """The ids ticket generation needs, read once so that no row costs a query."""

    users: dict[str, int]
    teams: dict[str, int]
    categories: dict[str, int]  # "硬件类/电源模块" → id
    models: dict[str, tuple[str, str, bool]]  # code → (display name, area, is_core)
    units: dict[str, list[tuple[int, int]]]  # model code → [(product id, organisation id)]
    organisations: list[tuple[int, bool]]  # (id, vip)
    vip: dict[int, bool]
    contacts: dict[int, list[tuple[int, int | None]]]  # organisation id → [(contact id, login user id)]
    logins: dict[int, int]  # organisation id → customer login user id


# --- entry point ----------------------------------------------------------------------------------

def load_demo(*, tickets: int = 300, seed: int = 42, out: Callable[[str], None] | None = None) -> DemoSummary:
    """Create the reference data if missing, then add `tickets` tickets with their timelines.

    `out` receives progress lines (the management command passes its stdout).
    """
    say = out or (lambda line: print(line, flush=True))
    summary = DemoSummary()
    started = time.perf_counter()
    summary.created_users = ensure_reference_data()
    reference = load_reference()
    summary.reference_seconds = time.perf_counter() - started
    say(f"Reference data ready ({summary.reference_seconds:.1f} s): {len(reference.organisations)} organisations, "
        f"{sum(len(u) for u in reference.units.values())} products, {len(reference.users)} staff.")

    if tickets > 0:
        started = time.perf_counter()
        write_tickets(reference, count=tickets, seed=seed, summary=summary, say=say)
        summary.ticket_seconds = time.perf_counter() - started
    # Open tickets get their SLA clocks, so the deadlines, views and sweeps have something to show.
    with transaction.atomic():
        sla_rows = ticket_sla_backfill(settle_past=True)
    if sla_rows:
        say(f"SLA state for {sla_rows:,} open tickets.")
    if tickets > 0:
        # The demo writes its rows in bulk, past the services' hooks: its tickets are indexed here.
        reindex(full=False, say=say, every=PROGRESS_EVERY)
    summary.total_tickets = Ticket.objects.count()
    rate = summary.tickets / summary.ticket_seconds if summary.ticket_seconds else 0
    say(f"Done: {summary.tickets:,} tickets, {summary.events:,} timeline events in {summary.ticket_seconds:.1f} s "
        f"({rate:,.0f} tickets/s); {summary.total_tickets:,} tickets in the database.")
    if summary.created_users:
        say(f"Logins created (password: {DEMO_PASSWORD}): {', '.join(summary.created_users)}")
    else:
        say(f"Demo logins (password: {DEMO_PASSWORD}): agent1, engineer1, supervisor1, director1, customer1 …")
    return summary


# --- reference data -------------------------------------------------------------------------------

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
        root, _ = Category.objects.get_or_create(parent=None, name=root_name,
                                                 defaults={"ticket_type": ticket_type, "sort_order": root_order * 10})
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
    existing = set(Organization.objects.filter(name__in=[o[0] for o in ORGANISATIONS]).values_list("name", flat=True))
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
    """Read the ids of the demo's reference rows in a handful of queries."""
    users = dict(User.objects.filter(username__in=[s[0] for s in STAFF]).values_list("username", "id"))
    teams = {area: Team.objects.get(name=name).pk for area, name in TEAM_NAMES.items()}
    categories = {}
    for cat in Category.objects.select_related("parent").filter(parent__isnull=False, parent__parent__isnull=True):
        categories[f"{cat.parent.name}/{cat.name}"] = cat.pk
    area_of = {p[0]: p[5] for p in PRODUCT_MODELS}
    models = {m.code: (f"{m.name} {m.code}", area_of[m.code], m.is_core)
              for m in ProductModel.objects.filter(code__in=area_of)}
    orgs = list(Organization.objects.filter(name__in=[o[0] for o in ORGANISATIONS]).order_by("id")
                .values_list("id", "tier"))
    vip = {pk: tier == Tier.VIP for pk, tier in orgs}
    units: dict[str, list[tuple[int, int]]] = {code: [] for code in models}
    for pk, org_id, code in (CustomerProduct.objects.filter(organization_id__in=vip, product_model__code__in=models)
                             .order_by("id").values_list("id", "organization_id", "product_model__code")):
        units[code].append((pk, org_id))
    contacts: dict[int, list[tuple[int, int | None]]] = {pk: [] for pk in vip}
    for pk, org_id, user_id in (Contact.objects.filter(organization_id__in=vip).order_by("id")
                                .values_list("id", "organization_id", "user_id")):
        contacts[org_id].append((pk, user_id))
    logins = {}
    for pk, org_id in (User.objects.filter(organization_id__in=vip, groups__name=Role.CUSTOMER, is_active=True)
                       .order_by("id").values_list("id", "organization_id")):
        logins.setdefault(org_id, pk)
    return Reference(users=users, teams=teams, categories=categories, models=models, units=units,
                     organisations=[(pk, vip[pk]) for pk, _tier in orgs], vip=vip, contacts=contacts, logins=logins)


# --- ticket texts -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Profile:
    """A ready-made ticket text and its classification; thousands of tickets share each one."""

    category: int | None
    area: str
    model: str | None
    title: str
    description: str
    objective: str
    error_code: str
    steps: str
    environment: str
    tried: str
    solution: str  # the public reply that resolves it
    note: str  # the engineer's internal diagnosis


def _spaced(text: str, display: str) -> str:
    """Put a space between a model name ending in Latin text and the Chinese that follows it.

    "设备 X-3000 无法开机", not "设备 X-3000无法开机": the usual rule of Chinese copy-editing.
    """
    if not display:
        return text
    return re.sub(re.escape(display) + r"(?=[\u3400-\u9fff])", display + " ", text)


def _family(code: str) -> str:
    """A product model's family for matching texts: machine, netdev, component or software."""
    _code, _name, kind, _w, _core, area, _prefix, _versions = next(p for p in PRODUCT_MODELS if p[0] == code)
    if kind == ProductKind.COMPONENT:
        return "component"
    return {NETWORK: "netdev", SOFTWARE: "software"}.get(area, "machine")


def build_profiles(ref: Reference, rng: random.Random, variants: int = 2) -> dict[str, list[Profile]]:
    """Render the text cases into profiles per ticket type (plus a hardware-fault pool).

    Faults are rendered per product model and per category that fits it, so the category, group
    and product of a ticket always agree with its text.
    """
    pools: dict[str, list[Profile]] = {t: [] for t in TicketType.values}
    pools["hardware_problem"] = []
    models = [(code, *ref.models[code]) for code, *_rest in PRODUCT_MODELS if code in ref.models]
    versions = {p[0]: p[7] for p in PRODUCT_MODELS}
    root_of = {leaf: root for root, _t, leaves in CATEGORY_TREE for leaf in leaves}
    area_of_root = {"硬件类": HARDWARE, "软件类": SOFTWARE, "网络类": NETWORK}
    for code, display, _area, _core in models:
        for leaf in MODEL_PROBLEMS.get(code, []):
            root = root_of[leaf]
            area = area_of_root[root]
            spec = PROBLEMS[leaf]
            for title, symptom, error, steps, finding, fix in spec["cases"]:
                for _ in range(variants):
                    version = rng.choice(versions[code])
                    profile = Profile(
                        category=ref.categories.get(f"{root}/{leaf}"), area=area, model=code,
                        title=_spaced(title.format(m=display), display),
                        description=_spaced(f"{rng.choice(GREETINGS)}我们的{display}出现问题：{symptom}。"
                                            f"具体提示：{error}。{rng.choice(CLOSINGS)}", display),
                        objective=(f"【现象】{symptom}。\n【型号/版本】{display}，{version}\n【报错】{error}\n"
                                   f"【初步判断】{finding}"),
                        error_code=error, steps=steps,
                        environment=rng.choice(ENV[area]).format(m=display, v=version, t=rng.randint(22, 31)),
                        tried=rng.choice(spec["tried"]), solution=fix, note=f"诊断结论：{finding}。",
                    )
                    pools[TicketType.PROBLEM].append(profile)
                    if area == HARDWARE:
                        pools["hardware_problem"].append(profile)
    for ticket_type, specs in OTHER_TYPES.items():
        root = next(r for r, t, _c in CATEGORY_TREE if t == ticket_type)
        for leaf, families, texts, answer in specs:
            fitting = [m for m in models if _family(m[0]) in families] if families else [(None, "", SERVICE, True)]
            for code, display, model_area, _core in fitting:
                # Complaints go to customer relations whatever the product.
                area = SERVICE if ticket_type == TicketType.COMPLAINT else model_area
                for title, description in texts:
                    title = _spaced(title.format(m=display), display)
                    version = rng.choice(versions[code]) if code else ""
                    pools[ticket_type].append(Profile(
                        category=ref.categories.get(f"{root}/{leaf}"), area=area, model=code, title=title,
                        description=_spaced(description.format(m=display), display),
                        objective=f"客户反映：{title}。" + (f"涉及产品：{display}，版本 {version}。" if code else ""),
                        error_code="", steps="",
                        environment=rng.choice(ENV[model_area]).format(m=display, v=version, t=25) if code else "",
                        tried="", solution=_spaced(answer.format(m=display), display),
                        note=rng.choice(NOTES[area]),
                    ))
    return pools


# --- ticket generation ------------------------------------------------------------------------------

def _cumulative(weights: list[tuple[str, float]]) -> tuple[list[str], list[float]]:
    """Values and cumulative weights (normalised to 1) for `bisect`-based weighted choice."""
    total = sum(w for _v, w in weights)
    values, cum, running = [], [], 0.0
    for value, weight in weights:
        running += weight / total
        values.append(str(value))  # plain str: database drivers need not know Django's enums
        cum.append(running)
    cum[-1] = 1.0 + 1e-9  # so that a draw of 0.9999… never falls off the end
    return values, cum


def _hour_buckets(now_ts: float, tz: ZoneInfo) -> tuple[float, list[float], list[float]]:
    """Hourly buckets over the last DAYS days with their weights and cumulative weights.

    Weights follow office hours, weekdays, national holidays and a slowly growing customer base.
    Mapping ticket i of n to the point (i + jitter) / n of the cumulative curve gives each ticket a
    creation time that grows with i, so ids and numbers follow the creation order like real ones.
    """
    hours = DAYS * 24
    start = now_ts - hours * 3600
    weights, cum, running = [], [], 0.0
    for b in range(hours):
        local = datetime.fromtimestamp(start + b * 3600, tz)
        day = local.date()
        weight = HOUR_WEIGHTS[local.hour] * (0.3 if day.weekday() >= 5 else 1.0) * (0.85 + 0.3 * b / hours)
        spring = SPRING_FESTIVAL.get(day.year)
        if (day.month, day.day) in HOLIDAYS or (spring and spring[0] <= day <= spring[1]):
            weight *= 0.2
        running += weight
        weights.append(weight)
        cum.append(running)
    return start, weights, cum


@dataclass
class Batch:
    """One batch of generated rows; ticket ids and numbers are filled in when it is written."""

    rows: list[list] = field(default_factory=list)
    local_times: list[datetime] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    events: list[list] = field(default_factory=list)  # first item: the ticket's index in `rows`
    co_handlers: list[list] = field(default_factory=list)  # [row index, user id]


class TicketGenerator:
    """Generates `count` tickets in creation order, `BATCH_SIZE` at a time, from one random seed.

    Every random choice is a list index or a bisect over precomputed cumulative weights: at a
    million tickets each microsecond per ticket is a second of run time.
    """

    def __init__(self, ref: Reference, *, count: int, seed: int, now: datetime, postgres: bool):
        """Precompute everything per-ticket code would otherwise look up or compute again."""
        self.ref = ref
        self.count = count
        self.rng = random.Random(seed)
        self.now = now
        self.now_ts = now.timestamp()
        self.tz = ZoneInfo(settings.TIME_ZONE)
        self.pattern = NumberPattern.parse(settings.TICKET_NUMBER_PATTERN)
        # PostgreSQL's COPY wants aware datetimes; SQLite stores naive UTC text (as Django does).
        self.epoch = datetime(1970, 1, 1, tzinfo=UTC) if postgres else datetime(1970, 1, 1)
        self.postgres = postgres
        self.start_ts, self.hour_weights, self.hour_cum = _hour_buckets(self.now_ts, self.tz)
        self.pools = build_profiles(ref, self.rng)
        self.types, self.type_cum = _cumulative(TYPE_WEIGHTS)
        self.urgency = {t: _cumulative(URGENCY_WEIGHTS.get(t, DEFAULT_URGENCY)) for t in TicketType.values}
        self.impact = {t: _cumulative(IMPACT_WEIGHTS.get(t, DEFAULT_IMPACT)) for t in TicketType.values}
        self.channels, self.channel_cum = _cumulative(CHANNEL_WEIGHTS)
        self.status_by_age = [(days * 86400, *_cumulative(list(w.items()))) for days, w in STATUS_BY_AGE]
        self.subs = {key: _cumulative(w) for key, w in SUB_STATUS_WEIGHTS.items()}
        self.impacts = {u: self._impact_variants(u) for u in Urgency.values}
        self.priority_memo: dict[tuple, str] = {}
        users = ref.users
        self.intake = [users[u] for u in INTAKE if u in users] or list(users.values())
        self.handlers = {a: [users[u] for u in names if u in users] or self.intake for a, names in HANDLERS.items()}
        self.escalation = {a: [users[u] for u in n if u in users] or self.intake for a, n in ESCALATION.items()}
        self.complaint_handlers = [users[u] for u in COMPLAINT_HANDLERS if u in users] or self.intake
        self.suggestion_handlers = {a: [users[u] for u in n if u in users] or self.intake
                                    for a, n in SUGGESTION_HANDLERS.items()}
        self.supervisors = {a: users.get(u) for a, u in SUPERVISORS.items()}
        # Organisations weighted by tier: VIP customers call more often.
        self.org_pick = [pk for pk, vip in ref.organisations for _ in range(3 if vip else 1)]
        today = timezone.localdate(now)
        self.release_dates = [today + timedelta(days=d) for d in range(5, 61)]
        self.showcase = self._showcase()
        self.status_json: dict[tuple, str] = {}

    def _showcase(self) -> dict[int, tuple[str, str, str]]:
        """Tickets that together cover every status, type and in-progress sub-status: index → those.

        A small demo would otherwise miss the rare ones. They are spread over the last weeks (or
        are the last 56 tickets of a small run) in the order tickets age: the oldest of them
        closed, the newest still new — a ticket from ten minutes ago is rarely closed already.
        """
        subs, types = list(SubStatus.values), list(TicketType.values)
        wanted = len(SHOWCASE_ORDER) * len(subs)
        recent = self.hour_cum[-1] - self.hour_cum[-SHOWCASE_DAYS * 24]
        span = min(self.count, max(wanted, int(self.count * recent / self.hour_cum[-1])))
        stride = span / wanted
        showcase = {}
        for k in range(min(wanted, self.count)):
            status = SHOWCASE_ORDER[k // len(subs)]
            sub = subs[k % len(subs)] if status == Status.IN_PROGRESS else ""
            showcase[self.count - span + int(k * stride)] = (status, types[k % len(types)], sub)
        return showcase

    def _impact_variants(self, urgency: str) -> list[tuple[bool, int, str]]:
        """Pre-rendered (interrupted, users affected, impact text) triples for one urgency."""
        out = []
        for interrupted, low, high, text in IMPACTS[urgency]:
            for _ in range(12):
                n = self.rng.randint(low, high)
                out.append((interrupted, n, text.format(n=n)))
        return out

    def _priority(self, urgency: str, impact: str, core: bool, vip: bool, ticket_type: str, expedite: bool) -> str:
        """compute_priority, memoised: there are only a few hundred distinct inputs."""
        key = (urgency, impact, core, vip, ticket_type, expedite)
        value = self.priority_memo.get(key)
        if value is None:
            value = self.priority_memo[key] = str(compute_priority(
                urgency=urgency, impact_scope=impact, core_module=core, vip=vip, ticket_type=ticket_type,
                expedite=expedite))
        return value

    def _status_data(self, old: str, new: str, sub: str = "", internal_note: str = "") -> str:
        """The JSON of a status event, as events.status_changed writes it (memoised)."""
        key = (old, new, sub, internal_note)
        value = self.status_json.get(key)
        if value is None:
            data = {"from": old, "to": new, "sub_status": sub}
            if internal_note:
                data["internal_note"] = internal_note
            value = self.status_json[key] = json.dumps(data, ensure_ascii=False)
        return value

    def batches(self) -> Iterator[Batch]:
        """Yield the tickets in batches of BATCH_SIZE, oldest first."""
        for low in range(0, self.count, BATCH_SIZE):
            yield self._batch(low, min(self.count, low + BATCH_SIZE))

    def _batch(self, low: int, high: int) -> Batch:
        """Generate tickets low..high-1 of this run (hot loop: locals only, no queries)."""
        rnd = self.rng.random
        ref, batch = self.ref, Batch()
        rows, events, local_times, periods = batch.rows, batch.events, batch.local_times, batch.periods
        epoch, tz, now_ts, start_ts = self.epoch, self.tz, self.now_ts, self.start_ts
        hour_cum, hour_weights = self.hour_cum, self.hour_weights
        scale = hour_cum[-1] / self.count
        bucket = bisect_right(hour_cum, low * scale)
        pattern, period_cache = self.pattern, {}
        pools, types, type_cum = self.pools, self.types, self.type_cum
        models, units_by_model, vip_of, contacts_of, logins = (ref.models, ref.units, ref.vip, ref.contacts,
                                                               ref.logins)
        org_pick, channels, channel_cum = self.org_pick, self.channels, self.channel_cum
        status_by_age, subs, impacts = self.status_by_age, self.subs, self.impacts
        intake, teams = self.intake, ref.teams
        showcase = self.showcase
        recent = RECENT_DAYS * 86400

        for i in range(low, high):
            # When: the inverse of the cumulative hourly curve at (i + jitter) / count.
            target = (i + rnd()) * scale
            while hour_cum[bucket] <= target and bucket < len(hour_cum) - 1:
                bucket += 1
            before = hour_cum[bucket - 1] if bucket else 0.0
            ts = start_ts + (bucket + min(1.0, (target - before) / hour_weights[bucket])) * 3600.0
            ts = min(ts, now_ts - 1)
            age = now_ts - ts

            # What: a few showcase tickets cover every combination; the rest follow the
            # age-dependent mix.
            sub = ""
            forced = showcase.get(i)
            if forced is not None:
                status, ticket_type, sub = forced
                pool = pools[ticket_type]
                if sub in HARDWARE_ONLY_SUBS:  # only a physical unit is picked up, repaired, shipped
                    ticket_type, pool = TicketType.PROBLEM.value, pools["hardware_problem"]
            else:
                ticket_type = types[bisect_right(type_cum, rnd())]
                mix = next((m for m in status_by_age if age < m[0]), status_by_age[-1])
                status = mix[1][bisect_right(mix[2], rnd())]
                pool = pools[ticket_type]
            profile = pool[int(rnd() * len(pool))]
            area = profile.area

            # Who: a unit of the profile's model fixes the organisation; otherwise pick one.
            units = units_by_model.get(profile.model) if profile.model else None
            if units:
                product, org = units[int(rnd() * len(units))]
                core = models[profile.model][2]
            else:
                product, org, core = None, org_pick[int(rnd() * len(org_pick))], True
            vip = vip_of[org]
            org_contacts = contacts_of[org]
            contact, contact_user = org_contacts[int(rnd() * len(org_contacts))] if org_contacts and rnd() < 0.92 \
                else (None, None)
            channel = channels[bisect_right(channel_cum, rnd())]
            login = logins.get(org)
            if channel == Channel.PORTAL:
                if login:
                    created_by = login
                    if contact_user != login:
                        contact, contact_user = next((c for c in org_contacts if c[1] == login), (contact, None))
                else:
                    channel, created_by = Channel.EMAIL.value, intake[int(rnd() * len(intake))]
            else:
                created_by = intake[int(rnd() * len(intake))]

            # How bad: urgency → impact texts; the priority from the project's own rule.
            u_values, u_cum = self.urgency[ticket_type]
            urgency = u_values[bisect_right(u_cum, rnd())]
            s_values, s_cum = self.impact[ticket_type]
            impact = s_values[bisect_right(s_cum, rnd())]
            expedite = rnd() < 0.04
            priority = self._priority(urgency, impact, core, vip, ticket_type, expedite)
            overridden = False
            if status != Status.NEW and priority in PRIORITY_UP and rnd() < 0.01:
                priority, overridden, computed = PRIORITY_UP[priority], True, priority
            interrupted, affected, business_impact = impacts[urgency][int(rnd() * len(impacts[urgency]))]
            is_fault = ticket_type in (TicketType.PROBLEM, TicketType.COMPLAINT)

            # Lifecycle: each step a plausible delay after the previous one (log-uniform: short
            # ones likelier, as response times are), every delay capped at a share of the ticket's
            # age so that even a ticket from an hour ago ends before now.
            (a_lo, a_hi), (f_lo, f_hi), (r_lo, r_hi) = PACE[priority]
            t_acc = t_fr = t_res = t_close = accepted_at = None
            owner = group = None
            pending_until = None
            helper = None
            if status == Status.NEW:
                updated = ts
            else:
                t_acc = accepted_at = ts + min(a_lo * (a_hi / a_lo) ** rnd(), 0.08 * age)
                t_fr = t_acc + min(f_lo * (f_hi / f_lo) ** rnd(), 0.08 * age)
                t_work = t_fr + min(1800 * 48 ** rnd(), 0.1 * age)
                t_mid = t_work + min(3600 * 72 ** rnd(), 0.15 * age)
                t_res = t_mid + min(r_lo * (r_hi / r_lo) ** rnd(), 0.3 * age)
                t_close = t_res + min(3600 * 72 ** rnd(), 0.15 * age)
                if ticket_type == TicketType.COMPLAINT:
                    group, handlers = teams[SERVICE], self.complaint_handlers
                elif ticket_type == TicketType.SUGGESTION:
                    group, handlers = teams[area], self.suggestion_handlers[area]
                else:
                    group, handlers = teams[area], self.handlers[area]
                owner = handlers[int(rnd() * len(handlers))]
                if status == Status.ACCEPTED:
                    if rnd() < 0.4:
                        t_fr = None
                    updated = t_fr or t_acc
                elif status == Status.IN_PROGRESS:
                    if not sub and rnd() < 0.85:
                        sub_values, sub_cum = subs[HARDWARE if area == HARDWARE else "other"]
                        sub = sub_values[bisect_right(sub_cum, rnd())]
                    updated = t_mid
                elif status in (Status.ESCALATED, Status.PENDING):
                    if status == Status.ESCALATED:
                        # The lead takes the ticket over (and acknowledges it: a new owner must,
                        # ASN-3); the engineer stays on it as co-handler.
                        leads = [u for u in self.escalation[area] if u != owner] or self.escalation[area]
                        owner, helper = leads[int(rnd() * len(leads))], owner
                        accepted_at = t_mid
                        if rnd() < 0.4:
                            sub = SubStatus.DIAGNOSED.value
                    else:
                        pending_until = self.release_dates[int(rnd() * len(self.release_dates))]
                    updated = t_mid
                elif status == Status.RESOLVED:
                    updated = t_res
                elif status == Status.REOPENED:
                    updated = t_close
                    if rnd() < 0.5:
                        sub = SubStatus.CONTACTED.value
                else:  # closed
                    updated = t_close
            resolved_at = t_res if status in (Status.RESOLVED, Status.CLOSED) else None
            closed_at = t_close if status == Status.CLOSED else None

            local = datetime.fromtimestamp(ts, tz)
            day = local.date()
            period = period_cache.get(day)
            if period is None:
                period = period_cache[day] = pattern.period_key(local)
            local_times.append(local)
            periods.append(period)
            j = len(rows)
            rows.append([
                None, None, profile.title, profile.description, profile.objective, profile.error_code,
                epoch + timedelta(seconds=ts - 600 * 288 ** rnd()) if is_fault else None,
                profile.steps, profile.environment, interrupted, affected, business_impact, profile.tried,
                channel, ticket_type, profile.category, urgency, impact, priority, overridden, expedite,
                status, sub, pending_until, org, contact, product, owner, group, created_by,
                epoch + timedelta(seconds=ts), epoch + timedelta(seconds=updated),
                epoch + timedelta(seconds=accepted_at) if accepted_at else None,
                epoch + timedelta(seconds=t_fr) if t_fr else None,
                epoch + timedelta(seconds=resolved_at) if resolved_at else None,
                epoch + timedelta(seconds=closed_at) if closed_at else None,
            ])

            events.append([j, EventKind.CREATED.value, created_by, epoch + timedelta(seconds=ts), True, "",
                           f'{{"channel": "{channel}"}}'])
            if helper is not None:
                batch.co_handlers.append([j, helper])
            if overridden:
                events.append([j, EventKind.PRIORITY.value, self.supervisors[area] or owner,
                               epoch + timedelta(seconds=(t_acc + t_fr) / 2 if t_fr else t_acc), False,
                               OVERRIDE_REASONS[int(rnd() * len(OVERRIDE_REASONS))],
                               f'{{"from": "{computed}", "to": "{priority}"}}'])
            if status != Status.NEW and (age < recent or rnd() < TIMELINE_SHARE):
                self._timeline(j, events, rnd, status=status, sub=sub, area=area, owner=owner, group=group,
                               helper=helper, has_contact=contact is not None, contact_user=contact_user,
                               profile=profile, times=(ts, t_acc, t_fr, t_work, t_mid, t_res, t_close),
                               pending_until=pending_until)
        return batch

    def _timeline(self, j: int, events: list[list], rnd: Callable[[], float], *, status: str, sub: str,
                  area: str, owner: int, group: int, helper: int | None, has_contact: bool,
                  contact_user: int | None,
                  profile: Profile, times: tuple, pending_until: date | None) -> None:
        """A full timeline for one ticket: dispatch, acknowledgement, replies, notes, status steps.

        Mirrors what the services write (events.py): the same kinds, visibility and data shapes,
        in an order the status flow (TRANSITIONS) allows.
        """
        epoch = self.epoch
        created, t_acc, t_fr, t_work, t_mid, t_res, t_close = times

        def at(seconds: float) -> datetime:
            """The stored form of a POSIX timestamp."""
            return epoch + timedelta(seconds=seconds)

        dispatcher = self.intake[int(rnd() * len(self.intake))]
        status_data = self._status_data
        worker = helper or owner  # who had the ticket before any escalation
        events.append([j, EventKind.ASSIGNED.value, dispatcher, at(created + 0.5 * (t_acc - created)), False, "",
                       f'{{"from": null, "to": {worker}, "group": {group}}}'])
        events.append([j, EventKind.ACCEPTED.value, worker, at(t_acc), False, "", "{}"])
        events.append([j, EventKind.STATUS.value, worker, at(t_acc), True, "", status_data("new", "accepted")])
        if t_fr is not None:
            events.append([j, EventKind.REPLY.value, worker, at(t_fr), True,
                           FIRST_REPLIES[int(rnd() * len(FIRST_REPLIES))], "{}"])
        if status == Status.ACCEPTED:
            return
        first_sub = sub if status == Status.IN_PROGRESS else SubStatus.CONTACTED.value
        events.append([j, EventKind.STATUS.value, worker, at(t_work), True, "",
                       status_data("accepted", "in_progress", first_sub)])
        events.append([j, EventKind.NOTE.value, worker, at(t_work + 0.3 * (t_mid - t_work)), False,
                       profile.note, '{"note_type": "diagnosis"}'])
        if rnd() < 0.5:
            feedback, next_step = FEEDBACK[int(rnd() * len(FEEDBACK))]
            happened = t_work + 0.5 * (t_mid - t_work)
            data = {"channel": "phone" if rnd() < 0.7 else "onsite",
                    "happened_at": datetime.fromtimestamp(happened, UTC).isoformat(),
                    "customer_feedback": feedback, "next_step": next_step}
            # Logged a little after the call itself, as people do.
            events.append([j, EventKind.COMMUNICATION.value, worker, at(happened + 0.1 * (t_mid - t_work)), False,
                           "", json.dumps(data, ensure_ascii=False)])
        if has_contact and rnd() < 0.3:
            # From the portal (the contact's login) or by e-mail (no login: no actor).
            events.append([j, EventKind.CUSTOMER_REPLY.value, contact_user, at(t_work + 0.8 * (t_mid - t_work)), True,
                           CUSTOMER_REPLIES[int(rnd() * len(CUSTOMER_REPLIES))], "{}"])
        if status == Status.IN_PROGRESS:
            return
        if status == Status.ESCALATED:
            # The engineer escalates, the supervisor hands it to the lead, who acknowledges it and
            # keeps the engineer on as co-handler — the events those services would write.
            note = ESCALATION_NOTES[int(rnd() * len(ESCALATION_NOTES))]
            events.append([j, EventKind.STATUS.value, worker, at(t_mid), True, "",
                           status_data("in_progress", "escalated", sub, note)])
            events.append([j, EventKind.ASSIGNED.value, self.supervisors[area] or owner, at(t_mid), False, "",
                           f'{{"from": {worker}, "to": {owner}, "group": {group}}}'])
            events.append([j, EventKind.ACCEPTED.value, owner, at(t_mid), False, "", "{}"])
            events.append([j, EventKind.CO_HANDLERS.value, owner, at(t_mid), False, "",
                           f'{{"from": [], "to": [{worker}]}}'])
            return
        if status == Status.PENDING:
            note = PENDING_NOTES[int(rnd() * len(PENDING_NOTES))]
            events.append([j, EventKind.STATUS.value, owner, at(t_mid), True, "",
                           status_data("in_progress", "pending", "", f"{note}预计发布日期 {pending_until}")])
            return
        # The solution goes to the customer, then the ticket is marked resolved (same moment).
        events.append([j, EventKind.REPLY.value, owner, at(t_res), True, profile.solution, "{}"])
        events.append([j, EventKind.STATUS.value, owner, at(t_res), True, "", status_data("in_progress", "resolved")])
        if status == Status.RESOLVED:
            return
        if status == Status.REOPENED:
            reason = REOPEN_REASONS[int(rnd() * len(REOPEN_REASONS))]
            if contact_user is not None:
                # Reopened by the customer in the portal: their note is public (events.status_changed).
                events.append([j, EventKind.STATUS.value, contact_user, at(t_close), True, reason,
                               status_data("resolved", "reopened")])
            else:
                # The customer called; the desk reopens and records why, internally.
                events.append([j, EventKind.STATUS.value, owner, at(t_close), True, "",
                               status_data("resolved", "reopened", "", reason)])
            return
        # Closed: confirmed by the customer, or closed by the desk after the confirmation window.
        if contact_user is not None and rnd() < 0.6:
            confirmation = CONFIRMATIONS[int(rnd() * len(CONFIRMATIONS))]
            events.append([j, EventKind.STATUS.value, contact_user, at(t_close), True, confirmation,
                           status_data("resolved", "closed")])
        else:
            events.append([j, EventKind.STATUS.value, owner, at(t_close), True, "",
                           status_data("resolved", "closed", "", "客户 72 小时内未回复，按流程关闭。")])


# --- writing ----------------------------------------------------------------------------------------

def _columns(model, names: list[str]) -> list[str]:
    """The database columns of `names` (foreign keys give their `_id` column)."""
    return [model._meta.get_field(name).column for name in names]


def _other_columns(model, names: list[str], now: datetime) -> tuple[list[str], list]:
    """Columns of `model` the demo does not fill itself, with each one's default value.

    A field added to the model later (say a nullable deadline) then gets what Django would have
    stored, instead of the raw INSERT failing on a NOT NULL column.
    """
    columns, values = [], []
    for f in model._meta.concrete_fields:
        if f.name in names or f.primary_key:
            continue
        value = now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default()
        columns.append(f.column)
        values.append(f.get_db_prep_save(value, connection))
    return columns, values


class BatchWriter:
    """Writes generated batches: reserves ticket ids and numbers, then inserts all rows at once."""

    def __init__(self):
        """Resolve table and column names once, from the models (never spelled out by hand)."""
        if connection.vendor not in ("sqlite", "postgresql"):
            raise RuntimeError(f"the demo loader supports SQLite and PostgreSQL, not {connection.vendor}")
        qn = connection.ops.quote_name
        self.postgres = connection.vendor == "postgresql"
        self.ticket_table = Ticket._meta.db_table
        now = timezone.now()
        self.ticket_extra_columns, self.ticket_extras = _other_columns(Ticket, TICKET_FIELDS, now)
        self.ticket_columns = _columns(Ticket, TICKET_FIELDS) + self.ticket_extra_columns
        self.event_table = TicketEvent._meta.db_table
        self.event_extra_columns, self.event_extras = _other_columns(TicketEvent, EVENT_FIELDS, now)
        self.event_columns = _columns(TicketEvent, EVENT_FIELDS) + self.event_extra_columns
        through = Ticket.co_handlers.through
        self.co_table = through._meta.db_table
        self.co_columns = [through._meta.get_field("ticket").column, through._meta.get_field("user").column]
        self.sequence_table = qn(TicketSequence._meta.db_table)
        self.qn = qn

    def write(self, batch: Batch, pattern: NumberPattern) -> None:
        """Insert one batch in one transaction.

        Ids and the numbers' counter values are reserved inside the same transaction as the
        inserts: on SQLite the IMMEDIATE transaction holds the write lock throughout, on PostgreSQL
        the counter rows stay locked until commit, so a ticket created meanwhile through
        ticket_create can never get a number (or id) this batch uses.
        """
        with transaction.atomic(), connection.cursor() as cursor:
            ids = self._reserve_ids(cursor, len(batch.rows))
            values = self._reserve_numbers(cursor, batch.periods)
            rows = batch.rows
            for j, (row, local, period) in enumerate(zip(rows, batch.local_times, batch.periods, strict=True)):
                row[0] = ids[j]
                value = values[period]
                values[period] = value + 1
                row[NUMBER_COLUMN] = pattern.format(local, value)
            for event in batch.events:
                event[0] = ids[event[0]]
            if self.ticket_extras:
                for row in rows:
                    row.extend(self.ticket_extras)
            if self.event_extras:
                for event in batch.events:
                    event.extend(self.event_extras)
            for pair in batch.co_handlers:
                pair[0] = ids[pair[0]]
            self._insert(cursor, self.ticket_table, self.ticket_columns, rows)
            self._insert(cursor, self.event_table, self.event_columns, batch.events)
            if batch.co_handlers:
                self._insert(cursor, self.co_table, self.co_columns, batch.co_handlers)

    def _reserve_ids(self, cursor, count: int) -> list[int]:
        """`count` ticket ids nobody else can take.

        PostgreSQL hands them out from the identity sequence (concurrent inserts draw others);
        on SQLite we hold the write lock, so the ids after the current maximum are ours.
        """
        if self.postgres:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                           [self.ticket_table, count])
            return [row[0] for row in cursor.fetchall()]
        table = self.qn(self.ticket_table)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608 - table name from the model
        top = cursor.fetchone()[0]
        # AUTOINCREMENT never reuses an id, even of a deleted last row: respect its high-water mark.
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [self.ticket_table])
        row = cursor.fetchone()
        top = max(top, row[0] if row else 0)
        return list(range(top + 1, top + 1 + count))

    def _reserve_numbers(self, cursor, periods: list[str]) -> dict[str, int]:
        """Reserve a block of counter values per period; return the first value of each block.

        The same upsert as numbering.next_number, adding the block size instead of one, so the
        counter row ends holding the highest value used and later tickets continue after it.
        """
        counts: dict[str, int] = {}
        for period in periods:
            counts[period] = counts.get(period, 0) + 1
        first = {}
        for period, n in counts.items():
            cursor.execute(
                f"INSERT INTO {self.sequence_table} (period, last_value) VALUES (%s, %s) "  # noqa: S608 - model table
                f"ON CONFLICT (period) DO UPDATE SET last_value = {self.sequence_table}.last_value + excluded.last_value "
                "RETURNING last_value",
                [period, n],
            )
            first[period] = cursor.fetchone()[0] - n + 1
        return first

    def _insert(self, cursor, table: str, columns: list[str], rows: list[list]) -> None:
        """Insert rows: COPY on PostgreSQL (several times faster than INSERT), executemany elsewhere."""
        quoted = ", ".join(self.qn(c) for c in columns)
        if self.postgres:
            with cursor.cursor.copy(f"COPY {self.qn(table)} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cursor.executemany(f"INSERT INTO {self.qn(table)} ({quoted}) VALUES ({marks})", rows)  # noqa: S608

    def finish(self) -> None:
        """After a big load, refresh PostgreSQL's planner statistics.

        Autovacuum would get there too, but only later: until then the planner believes the
        tables are as small as they were and may pick poor plans for the first list pages.
        """
        if self.postgres:
            with connection.cursor() as cursor:
                for table in (self.ticket_table, self.event_table, self.co_table):
                    cursor.execute(f"ANALYZE {self.qn(table)}")


def write_tickets(ref: Reference, *, count: int, seed: int, summary: DemoSummary,
                  say: Callable[[str], None]) -> None:
    """Generate and write `count` tickets batch by batch, reporting progress every PROGRESS_EVERY."""
    if not ref.organisations or not ref.users:
        raise RuntimeError("demo reference data is missing; cannot write tickets")
    writer = BatchWriter()
    generator = TicketGenerator(ref, count=count, seed=seed, now=timezone.now(), postgres=writer.postgres)
    started = time.perf_counter()
    for batch in generator.batches():
        writer.write(batch, generator.pattern)
        before = summary.tickets
        summary.tickets += len(batch.rows)
        summary.events += len(batch.events)
        summary.co_handlers += len(batch.co_handlers)
        if summary.tickets // PROGRESS_EVERY > before // PROGRESS_EVERY:
            elapsed = time.perf_counter() - started
            say(f"  {summary.tickets:>10,} / {count:,} tickets, {summary.events:,} events "
                f"({elapsed:.0f} s, {summary.tickets / elapsed:,.0f} tickets/s)")
    if count >= PROGRESS_EVERY:
        writer.finish()
