-- A commit script that never ends; the budget must stop it.
while true do end
