"""The intermediate model: everything the templates print, already computed."""
