import VetCommands

ModelVetCommand.runMain()
