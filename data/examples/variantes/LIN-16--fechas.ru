# Variant of propuesta-ejemplo-dgb.ttl that breaks exactly LIN-16: an authorisation dated before the proposal itself
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

INSERT DATA { <https://w3id.org/ppikg/propuestas/ejemplo-dgb> ppi:authorisationDate "2014-02-01"^^xsd:date } ;
