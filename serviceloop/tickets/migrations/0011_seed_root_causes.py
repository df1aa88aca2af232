"""The starting root-cause tree (PRG-7); administrators edit it in the admin afterwards.

Frozen here (not imported from the app), so the migration writes the same rows whatever the code says later.
Running it again adds nothing: rows are found by their code.
"""

from django.db import migrations

TREE = [
    ("hardware", "硬件故障", "Hardware fault", [
        ("hardware-power", "电源模块", "Power module"),
        ("hardware-mainboard", "主板", "Mainboard"),
        ("hardware-display", "显示屏", "Display"),
        ("hardware-storage", "存储 / 硬盘", "Storage / disk"),
        ("hardware-sensor", "传感器", "Sensor"),
        ("hardware-other", "其他硬件", "Other hardware"),
    ]),
    ("software", "软件缺陷", "Software defect", [
        ("software-firmware", "固件", "Firmware"),
        ("software-application", "应用软件", "Application software"),
        ("software-compatibility", "兼容性", "Compatibility"),
    ]),
    ("configuration", "配置错误", "Configuration error", []),
    ("user-operation", "用户操作", "User operation", [
        ("user-misuse", "操作不当", "Incorrect use"),
        ("user-training", "培训不足", "Lack of training"),
    ]),
    ("network", "网络环境", "Network environment", []),
    ("third-party", "第三方", "Third party", []),
    ("no-fault", "非故障 / 咨询建议", "No fault / consultation or suggestion", []),
]


def seed(apps, schema_editor):
    RootCause = apps.get_model("tickets", "RootCause")
    for order, (code, name, name_en, children) in enumerate(TREE, start=1):
        parent, _ = RootCause.objects.get_or_create(code=code, defaults={
            "name": name, "name_en": name_en, "sort_order": order * 10})
        for child_order, (child_code, child_name, child_en) in enumerate(children, start=1):
            RootCause.objects.get_or_create(code=child_code, defaults={
                "name": child_name, "name_en": child_en, "parent": parent, "sort_order": child_order * 10})


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_resolution")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
