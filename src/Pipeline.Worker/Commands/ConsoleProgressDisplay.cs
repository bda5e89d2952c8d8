using Spectre.Console;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>
/// Progress bars on stderr for long verbs (train's batches, later decode's recordings and windows). When stderr is
/// not a terminal (tests, CI, log files) there are no bars, only the plain lines given to <see cref="Line"/>, so logs
/// stay readable. stdout is never touched: it carries the verb's result.
/// </summary>
/// <remarks>The bars start with the first <see cref="AddBar"/>, so log lines written before (preprocessing) do not
/// cut through them.</remarks>
public sealed class ConsoleProgressDisplay : IDisposable
{
    private readonly IAnsiConsole? _console;
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task? _rendering;
    private ProgressContext? _context;

    /// <param name="interactive">Draw bars; by default when stderr is a terminal.</param>
    public ConsoleProgressDisplay(bool? interactive = null)
    {
        if (interactive ?? !Console.IsErrorRedirected)
            _console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
    }

    public bool Interactive => _console is not null;

    /// <summary>A new bar counting to <paramref name="total"/>; a bar that draws nothing when not interactive.</summary>
    public Bar AddBar(string description, double total)
    {
        if (_console is null)
            return new Bar(null);
        if (_context is null)
        {
            var started = new TaskCompletionSource<ProgressContext>(TaskCreationOptions.RunContinuationsAsynchronously);
            _rendering = _console.Progress()
                .AutoClear(true)  // the bars go when done; the lines written above them stay
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                    new ElapsedTimeColumn(), new RemainingTimeColumn())
                .StartAsync(async context =>
                {
                    started.SetResult(context);
                    await _finished.Task;
                });
            _context = started.Task.GetAwaiter().GetResult();
        }
        return new Bar(_context.AddTask(Markup.Escape(description), maxValue: total));
    }

    /// <summary>A line of text: above the bars when interactive, a plain stderr line otherwise.</summary>
    public void Line(string text)
    {
        if (_console is null)
            Console.Error.WriteLine(text);
        else
            _console.WriteLine(text);
    }

    /// <summary>Removes the bars (waits for the last frame so the next output starts on a clean line).</summary>
    public void Dispose()
    {
        _finished.TrySetResult();
        _rendering?.GetAwaiter().GetResult();
    }

    /// <summary>One bar: its value, total and the text before it. Updates are cheap and thread-safe.</summary>
    public sealed class Bar
    {
        private readonly ProgressTask? _task;

        internal Bar(ProgressTask? task) => _task = task;

        public void Update(double value, double total, string description)
        {
            if (_task is null)
                return;
            _task.MaxValue = total;
            _task.Value = value;
            _task.Description = Markup.Escape(description);
        }
    }
}
