"""The default problem categories (DESIGN.md §3) with their response limits in working days."""

DEFAULT_CATEGORIES = [
    ("招工用工", 10),
    ("子女就学", 10),
    ("融资信贷", 10),
    ("土地厂房", 15),
    ("用电用能", 10),
    ("审批手续", 10),
    ("人才引育", 10),
    ("环保整改", 10),
    ("交通道路", 15),
    ("政策咨询", 5),
    ("其他", 10),
]
