"""The demo's raw material: names, phone ranges and regions. Pure data, no Django."""

from __future__ import annotations

from dataclasses import dataclass

CN_SURNAMES = (
    "王wang 李li 张zhang 刘liu 陈chen 杨yang 黄huang 赵zhao 吴wu 周zhou 徐xu 孙sun 马ma 朱zhu 胡hu 郭guo "
    "何he 高gao 林lin 罗luo 郑zheng 梁liang 谢xie 宋song 唐tang 韩han 冯feng 邓deng 曹cao 彭peng 曾zeng "
    "肖xiao 田tian 董dong 潘pan 袁yuan 蔡cai 蒋jiang 余yu 叶ye"
).split()
CN_GIVEN = (
    "伟wei 芳fang 娜na 敏min 静jing 丽li 强qiang 磊lei 军jun 洋yang 勇yong 艳yan 杰jie 娟juan 涛tao "
    "明ming 超chao 秀英xiuying 霞xia 平ping 刚gang 桂英guiying 建华jianhua 志强zhiqiang 晓明xiaoming "
    "海燕haiyan 子涵zihan 浩然haoran 欣怡xinyi 宇轩yuxuan 梓萱zixuan 俊杰junjie 雨婷yuting 文博wenbo "
    "佳琪jiaqi 思远siyuan 丹dan 鹏peng 辉hui 玲ling 斌bin 红梅hongmei 国栋guodong 立新lixin 淑珍shuzhen"
).split()
US_FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
    "Joseph Jessica Thomas Sarah Christopher Karen Daniel Maria Marcus Aisha Carlos Emily Tyler Ashley "
    "Kevin Michelle Jamal Rosa"
).split()
US_LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Thompson White Harris Clark Lewis Robinson Walker "
    "Young Nguyen Patel"
).split()
UK_FIRST = (
    "Oliver Amelia George Isla Harry Ava Jack Emily Charlie Sophie Thomas Grace James Lily William Freya "
    "Alfie Ella Mohammed Priya Callum Niamh Rhys Siobhan Hamish Eleanor"
).split()
UK_LAST = (
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Robinson Wright Thompson Evans Walker White "
    "Roberts Green Hall Wood Jackson Clarke Patel Khan Hughes Edwards MacDonald O'Brien Campbell Murphy"
).split()


def split_hanzi(entry: str) -> tuple[str, str]:
    """``"王wang"`` → ``("王", "wang")``: the characters, then the pinyin used for the email address."""
    cut = next(i for i, ch in enumerate(entry) if ch.isascii())
    return entry[:cut], entry[cut:]


# Valid mainland mobile prefixes (checked against libphonenumber in the tests).
CN_MOBILE_PREFIXES = (
    "133 135 136 137 138 139 150 151 152 155 156 157 158 159 166 176 177 180 181 182 "
    "185 186 187 188 189 191 198 199"
).split()
CN_REGIONS = ("110101", "310104", "440305", "330106", "510107", "420106", "320102", "440106")
# US zone → area codes; numbers use the fictional 555-0100..0199 block.
US_AREAS = {
    "America/New_York": ("212", "646", "718"),
    "America/Chicago": ("312", "773", "872"),
    "America/Los_Angeles": ("213", "310", "323"),
}
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")  # RFC 2606: never a real mailbox


@dataclass(frozen=True)
class Region:
    code: str
    locale: str
    currency: str
    products: tuple[tuple[str, str], ...]  # (product name, "card" | "loan")


REGIONS = {
    "CN": Region(
        "CN",
        "zh-hans",
        "CNY",
        (
            ("信用卡 / Credit card", "card"),
            ("消费贷 / Consumer loan", "loan"),
            ("现金分期 / Cash instalment loan", "loan"),
        ),
    ),
    "US": Region("US", "en", "USD", (("Credit card", "card"), ("Personal loan", "loan"))),
    "UK": Region("UK", "en", "GBP", (("Credit card", "card"), ("Personal loan", "loan"))),
}

# (region, product kind) → (lowest limit, highest limit, step)
LIMITS = {
    ("CN", "card"): (5_000, 80_000, 1_000),
    ("CN", "loan"): (10_000, 200_000, 5_000),
    ("US", "card"): (1_000, 15_000, 500),
    ("US", "loan"): (2_000, 25_000, 500),
    ("UK", "card"): (500, 10_000, 250),
    ("UK", "loan"): (1_000, 20_000, 500),
}
