"""Try other amounts: a saved answer re-ranked live over a WebSocket, or by a GET without JS.

Nothing here is saved while trying: the socket and the page only read the saved profile; the
"Save these amounts" button goes through the wizard's own saving rules (a copy once results
were shown). The comparison itself (whatif.compare) is plain Python on the engine's public API.
"""
