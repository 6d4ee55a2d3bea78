"""Strings of the replenishment pages (/supply/orders, /supply/outlook): Spanish (es-MX) first,
English second."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.orders": pair("Pedido sugerido", "Suggested order"),
    "nav.outlook": pair("Desabasto previsto", "Expected stock-outs"),
    "orders.title": pair("Pedido sugerido", "Suggested order"),
    "orders.intro": pair(
        "Lo que conviene pedir al centro de distribución para cubrir la demanda hasta la "
        "próxima entrega más un margen de seguridad: nivel máximo = demanda esperada · (ciclo "
        "de entrega + tiempo de traslado) + z · desviación · √(ciclo + traslado), con un nivel "
        "de servicio de 99 % para antirretrovirales e insulinas y 95 % para lo demás, sin pasar "
        "de lo que se puede usar antes de la caducidad.",
        "What to order from the distribution center to cover demand until the next delivery "
        "plus a safety margin: order-up-to = expected demand · (delivery cycle + lead time) + "
        "z · spread · √(cycle + lead time), at a 99 % service level for antiretrovirals and "
        "insulins and 95 % for the rest, never more than can be used before expiry.",
    ),
    "orders.bad_input": pair(
        "La solicitud no es válida: una unidad o producto que no existe, una fecha mal escrita "
        "(AAAA-MM-DD) o futura, o un día sin pedidos calculados.",
        "The request is not valid: an unknown facility or product, a malformed (YYYY-MM-DD) or "
        "future date, or a day without computed orders.",
    ),
    "orders.none": pair(
        "Aún no hay pedidos calculados: ejecute «enlace supply requisitions».",
        "No orders computed yet: run `enlace supply requisitions`.",
    ),
    "orders.pick_facility": pair("Elija una unidad.", "Choose a facility."),
    "orders.day": pair("Pedido del {day}", "Order of {day}"),
    "orders.facility": pair("Unidad", "Facility"),
    "orders.product": pair("Producto", "Product"),
    "orders.on_hand": pair("Existencia", "On hand"),
    "orders.forecast": pair("Demanda esperada / mes", "Expected demand / month"),
    "orders.level": pair("Nivel máximo", "Order-up-to"),
    "orders.quantity": pair("Cantidad a pedir", "Quantity to order"),
    "orders.reason": pair("Por qué", "Why"),
    "orders.days": pair("Días de inventario", "Days of stock"),
    "orders.nothing": pair("Nada que pedir este día.", "Nothing to order this day."),
    "orders.transfers": pair("Traspasos sugeridos", "Suggested transfers"),
    "orders.from": pair("Desde", "From"),
    "orders.apply": pair("Ver", "Show"),
    "orders.date": pair("Día", "Day"),
    "orders.chart": pair("Consumo y pronóstico: {product}", "Consumption and forecast: {product}"),
    "orders.history": pair("Consumo mensual", "Monthly consumption"),
    "orders.mean": pair("Pronóstico", "Forecast"),
    "orders.upper": pair("Límite alto (95 %)", "Upper bound (95 %)"),
    "orders.lower": pair("Límite bajo (5 %)", "Lower bound (5 %)"),
    "orders.units": pair("unidades", "units"),
    "reason.stocked-out": pair("En cero: pedido urgente", "At zero: urgent order"),
    "reason.below-order-up-to": pair(
        "Existencia bajo el nivel máximo", "Stock below the order-up-to level"
    ),
    "reason.surplus-near-expiry": pair(
        "Excedente por caducar en otra unidad", "Surplus near expiry at another facility"
    ),
    "outlook.title": pair("Desabasto previsto en 30 días", "Expected stock-outs in 30 days"),
    "outlook.intro": pair(
        "Unidades y productos cuya existencia no alcanza 30 días con la demanda esperada, del "
        "más urgente al menos, con lo que se sugirió pedir o traspasar.",
        "Facilities and products whose stock lasts under 30 days at the expected demand, most "
        "urgent first, with what was suggested to order or transfer.",
    ),
    "outlook.count": pair(
        "{count} pares unidad-producto se quedarían sin existencia en 30 días.",
        "{count} facility-product pairs would run out within 30 days.",
    ),
    "outlook.accuracy": pair(
        "La prueba retrospectiva de los modelos (MASE por producto) está en docs/supply.md y en "
        "«enlace supply backtest».",
        "The models' backtest (MASE per product) is in docs/supply.md and `enlace supply "
        "backtest`.",
    ),
    "outlook.accuracy_title": pair("Exactitud del pronóstico", "Forecast accuracy"),
    "outlook.accuracy_intro": pair(
        "Pedidos del {day}: demanda esperada en los 30 días siguientes contra lo que se surtió "
        "(el surtido se queda corto cuando hubo desabasto).",
        "Orders of {day}: expected demand over the next 30 days against what was issued "
        "(issues fall short when the shelf was empty).",
    ),
    "outlook.no_accuracy": pair(
        "Aún no hay pedidos de hace 30 días o más con qué comparar.",
        "No orders from 30 or more days ago to compare with yet.",
    ),
    "outlook.pairs": pair("Pares", "Pairs"),
    "outlook.expected": pair("Esperado", "Expected"),
    "outlook.issued": pair("Surtido", "Issued"),
    "outlook.wape": pair("Error absoluto ponderado", "Weighted absolute error"),
    "outlook.bias": pair("Sesgo", "Bias"),
    "outlook.state": pair("Estado", "State"),
    "outlook.all": pair("Todos", "All"),
    "outlook.none": pair(
        "Ninguna unidad se quedaría sin existencia en 30 días.",
        "No facility would run out within 30 days.",
    ),
}
