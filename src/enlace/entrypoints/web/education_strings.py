"""Strings of the education pages (patient library, clinicians' training): es-MX first."""

from __future__ import annotations

from enlace.entrypoints.web.i18n import Catalog, pair

STRINGS: Catalog = {
    "nav.learn": pair("Aprende", "Learn"),
    "nav.training": pair("Capacitación", "Training"),
    "nav.training_clinics": pair("Capacitación por clínica", "Training by clinic"),
    "edu.learn_title": pair("Aprende sobre tu salud", "Learn about your health"),
    "edu.sent_to_me": pair("Lo que te enviamos", "What we sent you"),
    "edu.library": pair("Todos los temas", "All topics"),
    "edu.none_sent": pair(
        "Aún no te hemos enviado lecturas.", "We have not sent you readings yet."
    ),
    "edu.status.new": pair("Nuevo", "New"),
    "edu.status.opened": pair("Abierto", "Opened"),
    "edu.status.finished": pair("Terminado", "Finished"),
    "edu.finished": pair("Ya lo leí", "I have read it"),
    "edu.quiz": pair("Pregunta rápida", "Quick question"),
    "edu.answer": pair("Responder", "Answer"),
    "edu.right": pair("¡Correcto!", "Correct!"),
    "edu.wrong": pair("No es correcto. Vuelve a leer el texto.", "Not right. Read the text again."),
    "edu.thanks": pair("Gracias por leer.", "Thank you for reading."),
    "edu.source": pair("Fuente", "Source"),
    "edu.reviewed": pair("Revisado por", "Reviewed by"),
    "edu.patient_title": pair("Educación enviada al paciente", "Education sent to the patient"),
    "edu.item": pair("Tema", "Topic"),
    "edu.trigger": pair("Motivo", "Reason"),
    "edu.due": pair("Programado", "Scheduled for"),
    "edu.delivery": pair("Envío", "Delivery"),
    "edu.opened": pair("Abierto", "Opened"),
    "edu.finished_at": pair("Terminado", "Finished"),
    "edu.quiz_result": pair("Pregunta", "Quiz"),
    "edu.trigger.care-plan": pair("Plan de cuidado", "Care plan"),
    "edu.trigger.hypoglycaemia": pair("Hipoglucemia", "Hypoglycaemia"),
    "edu.trigger.insulin": pair("Inicio de insulina", "Starting insulin"),
    "edu.trigger.infusion": pair("Infusión domiciliaria", "Home infusion"),
    "edu.training_title": pair("Mi capacitación", "My training"),
    "edu.my_courses": pair("Mis cursos", "My courses"),
    "edu.available": pair("Cursos para mi rol", "Courses for my role"),
    "edu.suggested": pair("Sugeridos por tu panel de pacientes", "Suggested by your patient panel"),
    "edu.gap.insulin": pair(
        "{patients} pacientes con HbA1c ≥ 9 %: solo {share} con insulina.",
        "{patients} patients with HbA1c ≥ 9%: only {share} on insulin.",
    ),
    "edu.gap.statin": pair(
        "{patients} pacientes con diabetes: solo {share} con estatina.",
        "{patients} patients with diabetes: only {share} on a statin.",
    ),
    "edu.enrol": pair("Inscribirme", "Enrol"),
    "edu.required": pair("Obligatorio", "Required"),
    "edu.modules_passed": pair("Módulos aprobados", "Modules passed"),
    "edu.completed": pair("Completado — constancia registrada", "Completed — certificate recorded"),
    "edu.take": pair("Tomar módulo", "Take module"),
    "edu.passed": pair("Aprobado", "Passed"),
    "edu.submit": pair("Enviar respuestas", "Submit answers"),
    "edu.score": pair("Calificación", "Score"),
    "edu.pass_mark": pair("Mínimo aprobatorio", "Pass mark"),
    "edu.attempts_left": pair("Intentos restantes", "Attempts left"),
    "edu.back": pair("Volver a mis cursos", "Back to my courses"),
    "edu.clinics_title": pair("Capacitación por clínica y rol", "Training by clinic and role"),
    "edu.clinic": pair("Clínica", "Clinic"),
    "edu.role": pair("Rol", "Role"),
    "edu.trained": pair("Capacitados", "Trained"),
    "edu.clinicians": pair("Personal", "Clinicians"),
    "edu.bad_input": pair(
        "No se pudo: revise el curso, el módulo y sus respuestas (debe estar inscrito, un "
        "módulo aprobado no se repite).",
        "Could not do that: check the course, module and answers (you must be enrolled; a "
        "passed module is not taken again).",
    ),
    "edu.no_practitioner": pair(
        "Su cuenta no está ligada a un profesional (Practitioner).",
        "Your account is not linked to a Practitioner.",
    ),
    "edu.bad_answers": pair("Conteste cada pregunta.", "Answer every question."),
}
