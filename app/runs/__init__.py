"""Runs as the web server keeps them: started through the fork server, recorded, watched."""
