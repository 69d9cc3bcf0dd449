"""importtrace inside other tools: the pytest plugin, the IPython magics, fresh_import."""
