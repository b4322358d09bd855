# Variant of propuesta-ejemplo-dgb.ttl that breaks exactly LIN-14-I: a task whose deadline falls after the end of its work programme
PREFIX ppi: <https://w3id.org/ppikg/ontology#>
PREFIX lin: <https://w3id.org/ppikg/eli/mx/sep/lineamientos/2013/12/27/ppi-directores-ems/>
PREFIX comp: <https://w3id.org/ppikg/competencias/>
PREFIX asp: <https://w3id.org/ppikg/aspectos/>
PREFIX sub: <https://w3id.org/ppikg/subsistemas/>
PREFIX aut: <https://w3id.org/ppikg/autoridades/>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX p: <https://w3id.org/ppikg/propuestas/ejemplo-dgb/>

DELETE { p:tarea-2 ppi:deadline ?d } INSERT { p:tarea-2 ppi:deadline "2014-04-30"^^xsd:date } WHERE { p:tarea-2 ppi:deadline ?d } ;
