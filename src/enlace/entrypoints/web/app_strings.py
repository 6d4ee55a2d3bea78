"""Strings of the patient app (/app/...): Spanish (es-MX) first, English second. Plain words, short
sentences: the people reading them are patients and their families on a phone."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.app": pair("Mi app", "My app"),
    "app.name": pair("Enlace Mi Salud", "Enlace My Health"),
    "app.today": pair("Hoy", "Today"),
    "app.readings": pair("Mediciones", "Readings"),
    "app.visits": pair("Citas", "Visits"),
    "app.scan": pair("Verificar", "Verify"),
    "app.more": pair("Más", "More"),
    "app.for": pair("Para:", "For:"),
    "app.no_patient": pair(
        "Esta cuenta no tiene un paciente a su cargo.", "This account has no patient in its care."
    ),
    "app.offline": pair(
        "Sin conexión: lo que registre se guarda en el teléfono y se envía al volver la señal.",
        "Offline: what you record is kept on the phone and sent when the signal is back.",
    ),
    "app.pending": pair("Por enviar:", "Waiting to send:"),
    "app.signin_to_send": pair(
        "Inicie sesión para enviar lo guardado.", "Sign in to send what is saved."
    ),
    "app.sent": pair("Enviado.", "Sent."),
    "app.saved_offline": pair("Guardado en el teléfono.", "Saved on the phone."),
    "app.bad_input": pair(
        "No se pudo guardar: revise los datos.", "It could not be saved: check what you entered."
    ),
    "app.cached_at": pair("Información de:", "Information as of:"),
    # Today
    "app.doses": pair("Mis medicinas de hoy", "My medicines today"),
    "app.no_doses": pair("Hoy no tiene dosis programadas.", "No doses scheduled today."),
    "app.as_needed": pair("Cuando la necesite", "When needed"),
    "app.taken": pair("Tomada", "Taken"),
    "app.skipped": pair("No la tomé", "Not taken"),
    "app.take": pair("Ya la tomé", "I took it"),
    "app.skip": pair("No la tomé", "I did not take it"),
    "app.by_caregiver": pair("marcada por su cuidador(a)", "marked by your caregiver"),
    "app.by_app": pair("marcada en otro teléfono", "marked on another phone"),
    "app.by_sms": pair("marcada por mensaje", "marked by text message"),
    "app.refills": pair("Surtido y entregas", "Refills and deliveries"),
    "app.next_refill": pair("Próximo surtido:", "Next refill:"),
    "app.refill.due": pair("ya puede surtirse", "can be refilled now"),
    "app.refill.not-due": pair("aún no", "not yet"),
    "app.refill.exhausted": pair(
        "sin resurtidos: pida una nueva receta", "no refills left: ask for a new prescription"
    ),
    "app.refill.expired": pair(
        "receta vencida: pida una nueva", "prescription expired: ask for a new one"
    ),
    "app.delivery": pair("Entrega a domicilio:", "Home delivery:"),
    "app.delivery.in-progress": pair("en camino", "on its way"),
    "app.delivery.completed": pair("entregada", "delivered"),
    "app.delivery.abandoned": pair(
        "no se pudo entregar; la farmacia le llamará",
        "could not be delivered; the pharmacy will call you",
    ),
    "app.no_deliveries": pair("Sin entregas pendientes.", "No deliveries pending."),
    # Dose answers
    "dose.created": pair("Registrado.", "Recorded."),
    "dose.unchanged": pair("Ya estaba registrado.", "It was already recorded."),
    "dose.merged": pair("Registrado como tomada.", "Recorded as taken."),
    "dose.conflict": pair(
        "Esta dosis ya estaba marcada como tomada ({who}); se dejó así para "
        "que no la tome dos veces.",
        "This dose was already marked as taken "
        "({who}); it stays so, so that you do not take it twice.",
    ),
    "dose.stopped": pair(
        "Su médico suspendió esta medicina. No la siga tomando sin hablar con su médico.",
        "Your doctor stopped this medicine. Do not keep taking it before you talk to your doctor.",
    ),
    # Readings
    "app.new_reading": pair("Registrar una medición", "Record a reading"),
    "app.measure": pair("¿Qué midió?", "What did you measure?"),
    "app.measure.glucose": pair("Glucosa", "Glucose"),
    "app.measure.bp": pair("Presión arterial", "Blood pressure"),
    "app.measure.weight": pair("Peso", "Weight"),
    "app.value": pair("Valor (la presión: la alta)", "Value (blood pressure: the top number)"),
    "app.value2": pair("Presión: la baja", "Blood pressure: the bottom number"),
    "app.unit": pair("Unidad", "Unit"),
    "app.save": pair("Guardar", "Save"),
    "app.offline_danger": pair(
        "Este valor puede ser peligroso: si se siente mal, llame al 911 o vaya a urgencias.",
        "This value may be dangerous: if you feel unwell, call 911 or go to the emergency room.",
    ),
    "app.my_charts": pair("Mi control (30 días)", "My control (30 days)"),
    "app.doctor_told": pair("Su médico ya fue avisado.", "Your doctor has been told."),
    "reading.bad_measure": pair(
        "Elija glucosa, presión o peso.", "Choose glucose, blood pressure or weight."
    ),
    "reading.bad_unit": pair(
        "La unidad «{unit}» no sirve para esta medición; use {allowed}.",
        "The unit “{unit}” does not fit this reading; use {allowed}.",
    ),
    "reading.not_a_number": pair("Escriba el valor con números.", "Type the value in numbers."),
    "reading.implausible": pair(
        "Ese valor no parece posible (entre {low:g} y {high:g} {unit}); "
        "revise y escríbalo otra vez.",
        "That value does not look "
        "possible (between {low:g} and {high:g} {unit}); check it and "
        "type it again.",
    ),
    "reading.implausible_diastolic": pair(
        "La presión baja debe ser menor que la alta (entre {low:g} y {high:g}).",
        "The bottom number must be lower than the top one (between {low:g} and {high:g}).",
    ),
    "reading.no_second_value": pair(
        "Esta medición lleva un solo valor.", "This reading has one value only."
    ),
    "feedback.glucose_ok": pair(
        "Su glucosa está en su meta. ¡Muy bien!", "Your glucose is on target. Well done!"
    ),
    "feedback.glucose_high": pair(
        "Su glucosa está arriba de su meta (hasta {high:g} mg/dL). "
        "Tome agua, camine si puede y revise lo que comió.",
        "Your glucose is above your target (up to {high:g} mg/dL). "
        "Drink water, walk if you can and check what you ate.",
    ),
    "feedback.glucose_low": pair(
        "Su glucosa está baja. Coma o beba algo con azúcar ahora "
        "(medio vaso de jugo) y mídala otra vez en 15 minutos.",
        "Your glucose is low. Eat or drink something sugary now (half "
        "a glass of juice) and measure again in 15 minutes.",
    ),
    "feedback.glucose_danger_high": pair(
        "Su glucosa está muy alta ({value:g} mg/dL). Si tiene "
        "mucha sed, vómito o confusión, vaya a urgencias.",
        "Your glucose is very high ({value:g} mg/dL). If you "
        "are very thirsty, vomiting or confused, go to the "
        "emergency room.",
    ),
    "feedback.glucose_danger_low": pair(
        "Su glucosa está peligrosamente baja ({value:g} mg/dL). Tome azúcar ahora y pida ayuda.",
        "Your glucose is dangerously low ({value:g} mg/dL). Take sugar now and ask for help.",
    ),
    "feedback.bp_ok": pair("Su presión está en su meta.", "Your blood pressure is on target."),
    "feedback.bp_high": pair(
        "Su presión está arriba de su meta. Descanse 5 minutos y mídala otra "
        "vez; tome sus medicinas como se las indicaron.",
        "Your blood "
        "pressure is above your target. Rest 5 minutes and measure again; "
        "take your medicines as prescribed.",
    ),
    "feedback.bp_low": pair(
        "Su presión está baja. Siéntese o acuéstese y tome agua.",
        "Your blood pressure is low. Sit or lie down and drink water.",
    ),
    "feedback.bp_danger_high": pair(
        "Su presión está muy alta ({value:g}/{value2:g}). Si tiene "
        "dolor de pecho, de cabeza fuerte o falta de aire, vaya a "
        "urgencias.",
        "Your blood pressure is very high "
        "({value:g}/{value2:g}). If you have chest pain, a bad "
        "headache or shortness of breath, go to the emergency room.",
    ),
    "feedback.bp_danger_low": pair(
        "Su presión está muy baja. Acuéstese y pida ayuda.",
        "Your blood pressure is very low. Lie down and ask for help.",
    ),
    "feedback.weight_noted": pair(
        "Peso registrado: {value:g} kg.", "Weight recorded: {value:g} kg."
    ),
    "feedback.weight_ok": pair("Su peso está en su meta.", "Your weight is on target."),
    "feedback.weight_high": pair(
        "Su peso está arriba de su meta.", "Your weight is above your target."
    ),
    "feedback.weight_low": pair(
        "Su peso está abajo de su meta.", "Your weight is below your target."
    ),
    # Visits and more
    "app.appointments": pair("Mis citas", "My appointments"),
    "app.no_appointments": pair("No tiene citas próximas.", "You have no upcoming appointments."),
    "app.book": pair("Pedir o cambiar una cita", "Book or change an appointment"),
    "app.teleconsult": pair("Teleconsulta", "Teleconsultation"),
    "app.in_person": pair("En clínica", "At the clinic"),
    "app.scan_title": pair("Verificar una medicina", "Verify a medicine"),
    "app.scan_help": pair(
        "Apunte la cámara al código QR de la caja.", "Point the camera at the QR code on the box."
    ),
    "app.scan_start": pair("Abrir la cámara", "Open the camera"),
    "app.scan_manual": pair(
        "O escriba el código que viene debajo del QR (GTIN):",
        "Or type the code printed under the QR (GTIN):",
    ),
    "app.scan_go": pair("Verificar", "Verify"),
    "app.scan_bad": pair(
        "Ese código no es de una medicina (14 dígitos).",
        "That is not a medicine's code (14 digits).",
    ),
    "app.my_record": pair("Mi expediente", "My record"),
    "app.my_summary": pair("Mi control y apego", "My control and adherence"),
    "app.my_claims": pair("Mis reclamaciones", "My claims"),
    "app.my_reaction": pair(
        "Reportar una reacción a una medicina", "Report a reaction to a medicine"
    ),
    "app.learn": pair("Aprender sobre mi salud", "Learn about my health"),
    "app.privacy": pair("Mi privacidad", "My privacy"),
    "app.privacy_help": pair(
        "Quién ha visto su expediente, sus consentimientos y sus derechos "
        "ARCO (acceso, rectificación, cancelación, oposición): pídalos en "
        "su clínica o por la API de Enlace.",
        "Who has seen your record, "
        "your consents and your ARCO rights (access, rectification, "
        "cancellation, opposition): ask at your clinic or through the "
        "Enlace API.",
    ),
    "app.devices": pair("¿Perdió su teléfono?", "Lost your phone?"),
    "app.devices_help": pair(
        "Cierre la sesión en todos los demás teléfonos y computadoras. Este se queda abierto.",
        "Sign out on every other phone and computer. This one stays signed in.",
    ),
    "app.devices_help_caregiver": pair(
        "Cierra la sesión del paciente en todos sus teléfonos y las suyas en los demás.",
        "Signs the patient out on all their phones, and you on your other ones.",
    ),
    "app.signout_others": pair("Cerrar las otras sesiones", "Sign out other devices"),
    "app.signed_out": pair("Listo: se cerraron {count} sesiones.", "Done: {count} sessions ended."),
    "app.install": pair(
        "Para instalarla: menú del navegador → «Agregar a pantalla de inicio».",
        "To install it: browser menu → “Add to Home screen”.",
    ),
    "app.offline_title": pair("Sin conexión", "Offline"),
    "app.offline_page": pair(
        "Esta página no está guardada en el teléfono. Vuelva a «Hoy» o "
        "«Mediciones»: funcionan sin señal.",
        "This page is not saved on the phone. Go back to “Today” or “Readings”: they work offline.",
    ),
}
