"""Lists the names a Python snippet takes from a generated package but that the package does not have.

Usage: python3 python-names.py SNIPPET PACKAGE_INIT MODULE
Prints a JSON list of problems: classes the snippet imports from MODULE that PACKAGE_INIT does not
define, keyword arguments their constructors do not take, and methods called on them that they lack.
A snippet that is not valid Python fails with a SyntaxError.
"""
import ast
import json
import sys

snippet_path, package_init, module = sys.argv[1:4]

# Each generated class: the parameters of its constructor, and its methods (static ones included).
classes = {}
for node in ast.parse(open(package_init, encoding="utf-8").read()).body:
    if isinstance(node, ast.ClassDef):
        functions = [item for item in node.body if isinstance(item, ast.FunctionDef)]
        constructor = next((item for item in functions if item.name == "__init__"), None)
        parameters = set()
        if constructor is not None:
            parameters = {arg.arg for arg in constructor.args.args + constructor.args.kwonlyargs}
        classes[node.name] = (parameters, {item.name for item in functions})

snippet = ast.parse(open(snippet_path, encoding="utf-8").read())
imported = {}
problems = []
for node in ast.walk(snippet):
    if isinstance(node, ast.ImportFrom) and node.module == module:
        for alias in node.names:
            if alias.name in classes:
                imported[alias.asname or alias.name] = alias.name
            else:
                problems.append(f"{module} has no {alias.name}")

for node in ast.walk(snippet):
    if not isinstance(node, ast.Call):
        continue
    if isinstance(node.func, ast.Name) and node.func.id in imported:
        name = imported[node.func.id]
        parameters = classes[name][0]
        problems += [f"{name}() takes no {kw.arg}=" for kw in node.keywords if kw.arg not in parameters]
    elif isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) and node.func.value.id in imported:
        name = imported[node.func.value.id]
        if node.func.attr not in classes[name][1]:
            problems.append(f"{name} has no method {node.func.attr}")

print(json.dumps(problems))
