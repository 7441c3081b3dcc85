// The distro-info-data Debian release table, used when the controller has no
// /usr/share/distro-info/debian.csv. Copied verbatim from Debian's distro-info-data
// 0.58+deb12u7 (bookworm), /usr/share/distro-info/debian.csv.

extension DistroInfo {
    /// The version of distro-info-data that ``embedded`` was copied from.
    public static let embeddedDataVersion = "0.58+deb12u7"

    /// The text of `debian.csv` from distro-info-data ``embeddedDataVersion``.
    static let embeddedCSV = """
        version,codename,series,created,release,eol,eol-lts,eol-elts
        1.1,Buzz,buzz,1993-08-16,1996-06-17,1997-06-05
        1.2,Rex,rex,1996-06-17,1996-12-12,1998-06-05
        1.3,Bo,bo,1996-12-12,1997-06-05,1999-03-09
        2.0,Hamm,hamm,1997-06-05,1998-07-24,2000-03-09
        2.1,Slink,slink,1998-07-24,1999-03-09,2000-10-30
        2.2,Potato,potato,1999-03-09,2000-08-15,2003-06-30
        3.0,Woody,woody,2000-08-15,2002-07-19,2006-06-30
        3.1,Sarge,sarge,2002-07-19,2005-06-06,2008-03-31
        4.0,Etch,etch,2005-06-06,2007-04-08,2010-02-15
        5.0,Lenny,lenny,2007-04-08,2009-02-14,2012-02-06
        6.0,Squeeze,squeeze,2009-02-14,2011-02-06,2014-05-31,2016-02-29
        7,Wheezy,wheezy,2011-02-06,2013-05-04,2016-04-25,2018-05-31,2020-06-30
        8,Jessie,jessie,2013-05-04,2015-04-26,2018-06-17,2020-06-30,2025-06-30
        9,Stretch,stretch,2015-04-26,2017-06-17,2020-07-18,2022-06-30,2027-06-30
        10,Buster,buster,2017-06-17,2019-07-06,2022-09-10,2024-06-30,2029-06-30
        11,Bullseye,bullseye,2019-07-06,2021-08-14,2024-08-14,2026-08-31,2031-06-30
        12,Bookworm,bookworm,2021-08-14,2023-06-10,2026-07-11,2028-06-30,2033-06-30
        13,Trixie,trixie,2023-06-10,2025-08-09,2028-08-09,2030-06-30,2035-06-30
        14,Forky,forky,2025-08-09
        15,Duke,duke,2027-08-01
        ,Sid,sid,1993-08-16
        ,Experimental,experimental,1993-08-16
        """
}
