"""Public holidays and make-up working days (调休) in mainland China, from the State Council's
annual notices (国务院办公厅关于部分节假日安排的通知). Add each year's notice when it is published;
a year missing here counts weekends only."""

from datetime import date, timedelta


def _span(first: date, days: int) -> set[date]:
    return {first + timedelta(days=i) for i in range(days)}


HOLIDAYS: set[date] = (
    # 2025
    {date(2025, 1, 1)}
    | _span(date(2025, 1, 28), 8)  # 春节
    | _span(date(2025, 4, 4), 3)  # 清明
    | _span(date(2025, 5, 1), 5)  # 劳动节
    | _span(date(2025, 5, 31), 3)  # 端午
    | _span(date(2025, 10, 1), 8)  # 国庆、中秋
    # 2026
    | _span(date(2026, 1, 1), 3)  # 元旦
    | _span(date(2026, 2, 15), 9)  # 春节
    | _span(date(2026, 4, 4), 3)  # 清明
    | _span(date(2026, 5, 1), 5)  # 劳动节
    | _span(date(2026, 6, 19), 3)  # 端午
    | _span(date(2026, 9, 25), 3)  # 中秋
    | _span(date(2026, 10, 1), 7)  # 国庆
    # 2027: only the statutory days (全国年节及纪念日放假办法, as amended in 2024), which are
    # known before the State Council's notice; replace with the notice and its 调休 when out.
    | {date(2027, 1, 1)}  # 元旦
    | _span(date(2027, 2, 5), 4)  # 春节: 除夕 to 初三
    | {date(2027, 4, 5)}  # 清明
    | _span(date(2027, 5, 1), 2)  # 劳动节
    | {date(2027, 6, 9)}  # 端午
    | {date(2027, 9, 15)}  # 中秋
    | _span(date(2027, 10, 1), 3)  # 国庆
)

# Weekend days that are working days because of the holiday swaps.
MAKEUP_WORKDAYS: set[date] = {
    date(2025, 1, 26),
    date(2025, 2, 8),
    date(2025, 4, 27),
    date(2025, 9, 28),
    date(2025, 10, 11),
    date(2026, 1, 4),
    date(2026, 2, 14),
    date(2026, 2, 28),
    date(2026, 5, 9),
    date(2026, 9, 20),
    date(2026, 10, 10),
}
