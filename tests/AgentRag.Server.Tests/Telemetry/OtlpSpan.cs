using Google.Protobuf;

namespace AgentRag.Server.Tests.Telemetry;

/// <summary>
/// A span as sent over OTLP, decoded from the protobuf wire format by field number (opentelemetry-proto's
/// <c>trace/v1/trace.proto</c>): the fields the tests assert on; the rest are skipped.
/// </summary>
public sealed record OtlpSpan(
    string TraceId, string SpanId, string ParentSpanId, string Name, ulong StartUnixNano, ulong EndUnixNano,
    IReadOnlyDictionary<string, string> Attributes, int StatusCode)
{
    /// <summary><c>STATUS_CODE_ERROR</c>.</summary>
    public const int Error = 2;

    public TimeSpan Duration => TimeSpan.FromTicks((long)((EndUnixNano - StartUnixNano) / 100));

    /// <summary>The spans of an <c>ExportTraceServiceRequest</c> (resource_spans = 1 → scope_spans = 2 → spans = 2).</summary>
    public static IEnumerable<OtlpSpan> ReadExportRequest(byte[] body)
    {
        foreach (var resourceSpans in Messages(body, 1))
        {
            foreach (var scopeSpans in Messages(resourceSpans, 2))
            {
                foreach (var span in Messages(scopeSpans, 2))
                {
                    yield return ReadSpan(span);
                }
            }
        }
    }

    private static OtlpSpan ReadSpan(byte[] span)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        ulong start = 0, end = 0;
        var status = 0;
        var attributes = new Dictionary<string, string>(StringComparer.Ordinal);
        var input = new CodedInputStream(span);
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            switch (WireFormat.GetTagFieldNumber(tag))
            {
                case 1: traceId = Convert.ToHexStringLower(input.ReadBytes().ToByteArray()); break;
                case 2: spanId = Convert.ToHexStringLower(input.ReadBytes().ToByteArray()); break;
                case 4: parent = Convert.ToHexStringLower(input.ReadBytes().ToByteArray()); break;
                case 5: name = input.ReadString(); break;
                case 7: start = input.ReadFixed64(); break;
                case 8: end = input.ReadFixed64(); break;
                case 9:
                    var (key, value) = ReadKeyValue(input.ReadBytes().ToByteArray());
                    attributes[key] = value;
                    break;
                case 15:
                    var statusInput = new CodedInputStream(input.ReadBytes().ToByteArray());
                    uint statusTag;
                    while ((statusTag = statusInput.ReadTag()) != 0)
                    {
                        if (WireFormat.GetTagFieldNumber(statusTag) == 3)
                        {
                            status = statusInput.ReadEnum();
                        }
                        else
                        {
                            statusInput.SkipLastField();
                        }
                    }

                    break;
                default: input.SkipLastField(); break;
            }
        }

        return new OtlpSpan(traceId, spanId, parent, name, start, end, attributes, status);
    }

    /// <summary>A <c>KeyValue</c>: key = 1, value = 2 (an <c>AnyValue</c>: string = 1, bool = 2, int = 3, double = 4).</summary>
    private static (string Key, string Value) ReadKeyValue(byte[] message)
    {
        var input = new CodedInputStream(message);
        string key = "", value = "";
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == 1)
            {
                key = input.ReadString();
            }
            else if (WireFormat.GetTagFieldNumber(tag) == 2)
            {
                var any = new CodedInputStream(input.ReadBytes().ToByteArray());
                var anyTag = any.ReadTag();
                value = WireFormat.GetTagFieldNumber(anyTag) switch
                {
                    1 => any.ReadString(),
                    2 => any.ReadBool() ? "true" : "false",
                    3 => any.ReadInt64().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    4 => any.ReadDouble().ToString(System.Globalization.CultureInfo.InvariantCulture),
                    _ => "",
                };
            }
            else
            {
                input.SkipLastField();
            }
        }

        return (key, value);
    }

    private static IEnumerable<byte[]> Messages(byte[] message, int field)
    {
        var input = new CodedInputStream(message);
        var found = new List<byte[]>();
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (WireFormat.GetTagFieldNumber(tag) == field)
            {
                found.Add(input.ReadBytes().ToByteArray());
            }
            else
            {
                input.SkipLastField();
            }
        }

        return found;
    }
}
