#!/usr/bin/env escript
%% Compiles every pattern of a corpus with Erlang's own re module, the way KAZOO
%% compiles a number-formatting pattern: the text between the slashes, as a UTF-8
%% binary, with no options (re:compile/1).
%%
%% Input: one pattern per line, written as the hex of its UTF-8 bytes (an empty line
%% is the empty pattern). Output: a header line per fact, then one line per pattern:
%%   ok <capture groups> <compiled code length>
%%   error <offset> <hex of the message>
%% The capture count is element 2 of the compiled {re_pattern, ...} tuple (PCRE's
%% top bracket). The code length is the size PCRE computed for the pattern's code
%% (the block size less the 64-byte header and the name table), which is what PCRE
%% compares with its 64 KiB limit.
-mode(compile).

main([In, Out]) ->
    {ok, Text} = file:read_file(In),
    Lines = binary:split(Text, <<"\n">>, [global]),
    Patterns = case lists:last(Lines) of
                   <<>> -> lists:droplast(Lines);
                   _ -> Lines
               end,
    Header = [io_lib:format("otp ~s~n", [otp_version()]),
              io_lib:format("pcre ~s~n", [re:version()])],
    Results = [result(binary:decode_hex(L)) || L <- Patterns],
    ok = file:write_file(Out, [Header | Results]);
main(_) ->
    io:format(standard_error, "usage: compile.escript CORPUS.hex RESULTS.txt~n", []),
    halt(2).

result(Pattern) ->
    case re:compile(Pattern) of
        {ok, MP} ->
            Code = element(5, MP),
            <<_:4/binary, Size:32/native, _:28/binary, EntrySize:16/native,
              Count:16/native, _/binary>> = Code,
            io_lib:format("ok ~b ~b~n", [element(2, MP), Size - 64 - EntrySize * Count]);
        {error, {Message, Offset}} ->
            io_lib:format("error ~b ~s~n", [Offset, binary:encode_hex(list_to_binary(Message))])
    end.

otp_version() ->
    Release = erlang:system_info(otp_release),
    File = filename:join([code:root_dir(), "releases", Release, "OTP_VERSION"]),
    case file:read_file(File) of
        {ok, V} -> string:trim(binary_to_list(V));
        _ -> Release
    end.
