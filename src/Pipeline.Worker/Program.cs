using System.CommandLine;
using Neurodecode.Pipeline.Worker.Commands;

// The one composition root: each verb maps its arguments and runs inside the Generic Host (CommandHost).
var root = new RootCommand("neurodecode: read, preprocess and decode EEG, MEG and fMRI recordings")
{
    InspectCommand.Create(),
    ConvertCommand.Create(),
    PreprocessCommand.Create(),
    ModelsCommand.Create(),
    PretrainCommand.Create(),
    TrainCommand.Create(),
    EvaluateCommand.Create(),
    DecodeCommand.Create(),
    ServeCommand.Create(),
    ReplayCommand.Create(),
    StatusCommand.Create(),
    BenchCommand.Create(),
    SimulateCommand.Create(),
};
return await root.Parse(args).InvokeAsync();
