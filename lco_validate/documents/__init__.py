"""Documents: bytes to located JSON.

Files are read (``loading``) into JSON documents with their places in the text,
odd values the portal cannot read are reported (``odd_values``: J014-J016),
each document is sorted into request groups and requests (``kinds``), and a
finding's JSON Pointer becomes a line and column only when it is reported
(``positions``, ``pointers``).  Nothing here knows the portal's rules.
"""
