"""Common Mexican given names and surnames (written for Enlace from general knowledge of the most
frequent names in Mexico; the order is rough frequency, the weights are an assumption: a Zipf-like
1/rank draw, not a measured distribution)."""

from __future__ import annotations

MALE = (
    "José", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "Francisco", "Jesús", "Antonio",
    "Alejandro", "Pedro", "Manuel", "Ricardo", "Fernando", "Roberto", "Javier", "Eduardo",
    "Daniel", "Sergio", "Raúl", "Arturo", "Mario", "Rafael", "Héctor", "Alberto", "Óscar",
    "Enrique", "Martín", "Ángel", "David", "Gerardo", "Víctor", "Rubén", "Andrés", "Diego",
    "Santiago", "Sebastián", "Mateo", "Emiliano", "Leonardo", "Iván", "Hugo", "Ramón",
    "Guillermo", "Salvador", "Alfredo", "Ernesto", "Armando", "Jaime", "Rodrigo",
    "José Luis", "Juan Carlos", "José Antonio", "Juan Manuel", "Miguel Ángel", "Luis Fernando",
)  # fmt: skip

FEMALE = (
    "María", "Guadalupe", "Juana", "Margarita", "Verónica", "Leticia", "Rosa", "Patricia",
    "Elizabeth", "Alejandra", "Gabriela", "Adriana", "Martha", "Claudia", "Silvia", "Laura",
    "Araceli", "Teresa", "Ana", "Norma", "Carmen", "Sandra", "Mónica", "Lucía", "Fernanda",
    "Daniela", "Mariana", "Andrea", "Karla", "Diana", "Sofía", "Valeria", "Ximena", "Regina",
    "Camila", "Victoria", "Isabel", "Beatriz", "Yolanda", "Alicia", "Gloria", "Irma",
    "Josefina", "Esperanza", "Rocío", "Lorena", "Brenda", "Paola", "Itzel", "Fátima",
    "María Guadalupe", "María de Jesús", "María Elena", "Ana María", "María del Carmen",
    "María Fernanda", "María José",
)  # fmt: skip

SURNAMES = (
    "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez",
    "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres",
    "Díaz", "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero",
    "Álvarez", "Méndez", "Chávez", "Rivera", "Juárez", "Ramos", "Domínguez", "Herrera",
    "Medina", "Castro", "Vargas", "Guzmán", "Velázquez", "Muñoz", "Rojas", "De la Cruz",
    "Contreras", "Salazar", "Luna", "Ortega", "Santiago", "Guerrero", "Estrada", "Bautista",
    "Cortés", "Soto", "Alvarado", "Espinoza", "Lara", "Ávila", "Ríos", "Cervantes", "Silva",
    "Delgado", "Vega", "Márquez", "Sandoval", "Carrillo", "León", "Mejía", "Solís", "Ibarra",
    "Rosas", "Valdez", "Núñez", "Campos", "Santos", "Camacho", "Navarro", "Peña", "Maldonado",
    "Rosales", "Acosta", "Miranda", "Trejo", "Valencia", "Nava", "Pacheco", "Robles", "Molina",
    "Rangel", "Fuentes", "Huerta", "Padilla", "Espinosa", "Cabrera", "Cárdenas", "Orozco",
    "Zúñiga", "Montes", "Velasco", "Fernández", "Salinas", "Pineda",
)  # fmt: skip


def cumulative_rank_weights(count: int) -> list[float]:
    """Cumulative 1/rank weights, for random.choices(cum_weights=...)."""
    total, out = 0.0, []
    for rank in range(1, count + 1):
        total += 1.0 / rank
        out.append(total)
    return out
