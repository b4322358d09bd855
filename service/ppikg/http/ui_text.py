"""The web UI's own words in Spanish and English (interface text only: legal text comes from the graph)."""

from __future__ import annotations

LANGS = ("es", "en")

WORDS: dict[str, dict[str, str]] = {
    "es": {
        "site": "ppikg",
        "tagline": "Lineamientos PPI para la promoción a director en Educación Media Superior (SEP, 2013): "
                   "grafo de conocimiento, consultas y verificación de propuestas.",
        "nav": "Secciones",
        "nav_query": "Consultar",
        "nav_browse": "Explorar",
        "nav_audit": "Verificar una propuesta",
        "nav_coverage": "Cobertura",
        "switch": "English",
        "switch_lang": "en",
        "skip": "Ir al contenido",
        "home_title": "Consultar el grafo",
        "editor": "Editor SPARQL",
        "editor_help": "Escriba una consulta SPARQL y pulse el botón de ejecutar (o Ctrl+Intro). Los prefijos "
                       "ppi:, lin:, comp:, asp:, eli:, skos:, dcterms: y rdfs: ya están declarados en el servidor.",
        "endpoint": "Punto de acceso",
        "canned": "Consultas predefinidas",
        "canned_help": "Preguntas frecuentes de analistas. «Cargar y ejecutar» pone la consulta en el editor y "
                       "muestra sus resultados.",
        "run": "Cargar y ejecutar",
        "loading": "Cargando…",
        "none_queries": "No hay consultas predefinidas.",
        "endpoint_error": "El servicio respondió con un error",
        "endpoint_missing": "Esta función aún no está disponible en el servidor",
        "glance": "El grafo en cifras",
        "glance_help": "Instancias de cada clase de la ontología ppi: (afirmadas o inferidas).",
        "browse_title": "Explorar el grafo",
        "browse_help": "Cada enlace abre la página de datos enlazados del recurso (su IRI).",
        "competencies": "Competencias del director (Acuerdo 449)",
        "attributes": "atributos",
        "aspect": "aspecto del Lineamiento Octavo",
        "provisions": "Disposiciones de los Lineamientos",
        "provisions_help": "En el orden del texto; cada una con su IRI estable.",
        "proposals": "Propuestas cargadas",
        "no_proposals": "No hay propuestas en el almacén. Cargue una con «ppi import ARCHIVO --load» o "
                        "verifíquela sin cargarla en «Verificar una propuesta».",
        "gaps": "brechas de cobertura",
        "example": "ejemplo",
        "audit_title": "Verificar una propuesta",
        "audit_help": "Suba una propuesta (plantilla xlsx llena, Turtle o JSON-LD). El servidor la compara con "
                      "cada obligación de los Lineamientos y devuelve el informe de conformidad; la propuesta "
                      "no se guarda.",
        "file": "Archivo de la propuesta",
        "file_hint": ".xlsx (plantilla), .ttl (Turtle) o .jsonld (JSON-LD)",
        "report_lang": "Idioma del informe",
        "severity": "Mostrar",
        "sev_info": "todo",
        "sev_warning": "violaciones y advertencias",
        "sev_violation": "solo violaciones",
        "submit": "Verificar",
        "checking": "Verificando…",
        "report": "Informe",
        "print": "Imprimir el informe",
        "open": "Abrir el informe en una pestaña",
        "verdict_ok": "La propuesta es conforme.",
        "verdict_bad": "La propuesta no es conforme.",
        "bad_type": "Tipo de archivo no reconocido: use .xlsx, .ttl o .jsonld.",
        "no_file": "Elija un archivo.",
        "template_hint": "¿Sin propuesta? Descargue la plantilla data/templates/propuesta-ppi.xlsx del proyecto; "
                         "data/templates/propuesta-ejemplo-dgb.xlsx es un ejemplo completo (no oficial).",
        "coverage_title": "Cobertura: competencias × propuestas",
        "coverage_help": "Cuántos indicadores de cada propuesta cubren cada competencia del director, directamente "
                         "o por el aspecto del Lineamiento Octavo. Un 0 es una brecha.",
        "coverage_alt": "Mapa de calor de la cobertura de competencias por propuesta",
        "coverage_data": "Datos (JSON)",
        "coverage_csv": "Datos (CSV)",
        "footer": "ppikg — los textos legales provienen de las fuentes oficiales; los ejemplos no son documentos "
                  "oficiales.",
        "results": "Resultados",
        "lang_es": "Español",
        "lang_en": "English",
    },
    "en": {
        "site": "ppikg",
        "tagline": "The 2013 SEP Lineamientos on parameters and indicators for promotion to director in upper "
                   "secondary education: knowledge graph, queries and proposal checking.",
        "nav": "Sections",
        "nav_query": "Query",
        "nav_browse": "Browse",
        "nav_audit": "Check a proposal",
        "nav_coverage": "Coverage",
        "switch": "Español",
        "switch_lang": "es",
        "skip": "Skip to content",
        "home_title": "Query the graph",
        "editor": "SPARQL editor",
        "editor_help": "Write a SPARQL query and press the run button (or Ctrl+Enter). The prefixes ppi:, lin:, "
                       "comp:, asp:, eli:, skos:, dcterms: and rdfs: are predeclared by the server.",
        "endpoint": "Endpoint",
        "canned": "Canned queries",
        "canned_help": "Analysts' common questions. “Load and run” puts the query in the editor and shows its "
                       "results.",
        "run": "Load and run",
        "loading": "Loading…",
        "none_queries": "No canned queries.",
        "endpoint_error": "The service answered with an error",
        "endpoint_missing": "This feature is not available on the server yet",
        "glance": "The graph at a glance",
        "glance_help": "Instances of each class of the ppi: ontology (asserted or inferred).",
        "browse_title": "Browse the graph",
        "browse_help": "Each link opens the linked-data page of the resource (its IRI).",
        "competencies": "Director competencies (Acuerdo 449)",
        "attributes": "attributes",
        "aspect": "aspect of Lineamiento Octavo",
        "provisions": "Provisions of the Lineamientos",
        "provisions_help": "In the order of the text, each with its stable IRI. The legal text is in Spanish.",
        "proposals": "Loaded proposals",
        "no_proposals": "No proposals in the store. Load one with “ppi import FILE --load”, or check one without "
                        "loading it under “Check a proposal”.",
        "gaps": "coverage gaps",
        "example": "example",
        "audit_title": "Check a proposal",
        "audit_help": "Upload a proposal (filled xlsx template, Turtle or JSON-LD). The server checks it against "
                      "every obligation of the Lineamientos and returns the conformance report; the proposal is "
                      "not stored.",
        "file": "Proposal file",
        "file_hint": ".xlsx (template), .ttl (Turtle) or .jsonld (JSON-LD)",
        "report_lang": "Report language",
        "severity": "Show",
        "sev_info": "everything",
        "sev_warning": "violations and warnings",
        "sev_violation": "violations only",
        "submit": "Check",
        "checking": "Checking…",
        "report": "Report",
        "print": "Print the report",
        "open": "Open the report in a tab",
        "verdict_ok": "The proposal conforms.",
        "verdict_bad": "The proposal does not conform.",
        "bad_type": "Unrecognised file type: use .xlsx, .ttl or .jsonld.",
        "no_file": "Choose a file.",
        "template_hint": "No proposal yet? The project's data/templates/propuesta-ppi.xlsx is the template; "
                         "data/templates/propuesta-ejemplo-dgb.xlsx is a complete (unofficial) example.",
        "coverage_title": "Coverage: competencies × proposals",
        "coverage_help": "How many indicators of each proposal cover each director competency, directly or through "
                         "the aspect of Lineamiento Octavo. A 0 is a gap.",
        "coverage_alt": "Heat map of competency coverage by proposal",
        "coverage_data": "Data (JSON)",
        "coverage_csv": "Data (CSV)",
        "footer": "ppikg — legal texts come from the official sources; examples are not official documents.",
        "results": "Results",
        "lang_es": "Español",
        "lang_en": "English",
    },
}


def pick_lang(lang: str | None) -> str:
    """``lang`` if the UI speaks it, else Spanish.

    >>> pick_lang("en"), pick_lang("fr"), pick_lang(None)
    ('en', 'es', 'es')
    """
    return lang if lang in LANGS else "es"
