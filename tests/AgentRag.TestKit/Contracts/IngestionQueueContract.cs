using AgentRag.Core.Documents;
using AgentRag.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Shouldly;
using Xunit;
using static AgentRag.TestKit.Contracts.ContractRecords;

namespace AgentRag.TestKit.Contracts;

/// <summary>
/// The contract of <see cref="IIngestionQueue"/>: queued jobs reach exactly one of the readers, readers end quietly on
/// cancellation, and unfinished documents are recovered by one instance at a time.
/// </summary>
public abstract class IngestionQueueContract : BackendContract
{
    /// <summary>How long a test waits for a queued job before it fails (a guard: jobs arrive at once).</summary>
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);

    private IIngestionQueue Queue => Get<IIngestionQueue>();

    [Fact]
    public async Task EnqueueAsync_ThenRead_DeliversTheJobsInOrder()
    {
        IngestionJob[] jobs = [new(TenantA, "doc_1"), new(TenantB, "doc_1"), new(TenantA, "doc_2")];
        foreach (var job in jobs)
        {
            await Queue.EnqueueAsync(job);
        }

        (await ReadAsync(Queue, jobs.Length)).ShouldBe(jobs);
    }

    [Fact]
    public async Task ReadAllAsync_SeveralReaders_EachJobReachesExactlyOne()
    {
        var jobs = Enumerable.Range(0, 60).Select(i => new IngestionJob(TenantA, $"doc_{i}")).ToList();
        using var stop = new CancellationTokenSource(DeliveryTimeout);
        var received = new System.Collections.Concurrent.ConcurrentBag<IngestionJob>();
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            await foreach (var job in Queue.ReadAllAsync(stop.Token))
            {
                received.Add(job);
                if (received.Count >= jobs.Count)
                {
                    await stop.CancelAsync();
                }
            }
        })).ToList();

        foreach (var job in jobs)
        {
            await Queue.EnqueueAsync(job);
        }

        await Task.WhenAll(readers);
        received.OrderBy(j => j.DocumentId, StringComparer.Ordinal).ShouldBe(jobs.OrderBy(j => j.DocumentId, StringComparer.Ordinal));
    }

    [Fact]
    public async Task ReadAllAsync_Cancelled_EndsWithoutThrowing()
    {
        using var cancel = new CancellationTokenSource();
        var reading = Task.Run(async () =>
        {
            var count = 0;
            await foreach (var _ in Queue.ReadAllAsync(cancel.Token))
            {
                count++;
            }

            return count;
        });

        await cancel.CancelAsync();

        (await reading.WaitAsync(DeliveryTimeout)).ShouldBe(0);
    }

    [Fact]
    public async Task RecoverAsync_UnfinishedDocuments_QueuesThemInOneInstanceOnly()
    {
        var documents = Get<IDocumentStore>();
        var pending = NewDocument(TenantA, "pending");
        var processing = NewDocument(TenantB, "processing") with { Status = DocumentStatus.Processing };
        await documents.InsertAsync(pending);
        await documents.InsertAsync(processing);
        await documents.InsertAsync(NewDocument(TenantA, "ready") with { Status = DocumentStatus.Ready });

        var recovered = await Queue.RecoverAsync();
        var other = OpenSecondInstance().GetRequiredService<IIngestionQueue>();

        IngestionJob[] expected = [new(TenantA, pending.Id), new(TenantB, processing.Id)];
        recovered.ShouldNotBeNull().ShouldBe(expected, ignoreOrder: true);
        (await ReadAsync(Queue, 2)).ShouldBe(expected, ignoreOrder: true);
        (await other.RecoverAsync()).ShouldBeNull();
    }

    private static async Task<List<IngestionJob>> ReadAsync(IIngestionQueue queue, int count)
    {
        using var timeout = new CancellationTokenSource(DeliveryTimeout);
        var received = new List<IngestionJob>();
        await foreach (var job in queue.ReadAllAsync(timeout.Token))
        {
            received.Add(job);
            if (received.Count == count)
            {
                break;
            }
        }

        received.Count.ShouldBe(count, "the jobs did not all arrive in time");
        return received;
    }
}
